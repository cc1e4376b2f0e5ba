package caching_test

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

var at = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

func summary(i int, v2 bool) domain.TorrentSummary {
	s := domain.TorrentSummary{
		ID: int64(i), InfoHash: sha1.Sum([]byte{byte(i)}), Name: "Open Movie 1080p",
		Size: 1 << 30, Category: domain.CategoryRef{Slug: "movies", Name: "Movies"},
		Seeders: 12, Leechers: 3, UploadedAt: at, Trackers: []string{"udp://tracker.example:1337/announce"},
	}
	if v2 {
		s.InfoHashV2 = sha256.Sum256([]byte{byte(i)})
	}
	return s
}

func torrentOf(s domain.TorrentSummary) domain.Torrent {
	return domain.Torrent{
		ID: s.ID, InfoHash: s.InfoHash, InfoHashV2: s.InfoHashV2, Name: s.Name, Size: s.Size,
		Category: s.Category, Seeders: s.Seeders, Leechers: s.Leechers, UploadedAt: s.UploadedAt,
		Description: "a description", Files: []domain.File{{Path: "dir/a.mkv", Size: 1 << 30}},
		Trackers: s.Trackers, CreatedAt: at, UpdatedAt: at,
	}
}

// cachedValue is one value of one space, read through a store: what the policy caches of each type.
type cachedValue struct {
	space caching.Space
	value any
	// read reads the value's type from sp; with a nil want, a fill is an error.
	read func(ctx context.Context, s *caching.Store, sp caching.Space, want any) (any, error)
}

var errFilled = errors.New("filled: the value did not come from the cache")

func readAs[T any](caching.Space) func(context.Context, *caching.Store, caching.Space, any) (any, error) {
	return func(ctx context.Context, s *caching.Store, sp caching.Space, want any) (any, error) {
		return caching.Read(ctx, s, sp, "body", func(context.Context) (T, error) {
			if want == nil {
				var zero T
				return zero, errFilled
			}
			return want.(T), nil
		})
	}
}

// everyCachedValue lists a value of every type every space holds, with the shapes that once broke
// the shared tier (a torrent without a v2 info hash).
func everyCachedValue() []cachedValue {
	next := domain.Position{Int: 123, Float: 1.5, Text: "name", ID: 7}
	return []cachedValue{
		{caching.SearchPages, domain.SearchPage{Items: []domain.TorrentSummary{summary(1, false), summary(2, true)}, Total: 2, TotalExact: true, Next: &next}, readAs[domain.SearchPage](caching.SearchPages)},
		{caching.SearchPages, domain.SearchPage{Items: []domain.TorrentSummary{}, TotalExact: true}, readAs[domain.SearchPage](caching.SearchPages)},
		{caching.LatestLists, []domain.TorrentSummary{summary(1, false), summary(3, true)}, readAs[[]domain.TorrentSummary](caching.LatestLists)},
		{caching.TorrentDetails, torrentOf(summary(1, false)), readAs[domain.Torrent](caching.TorrentDetails)},
		{caching.TorrentDetails, torrentOf(summary(2, true)), readAs[domain.Torrent](caching.TorrentDetails)},
		{caching.CategoryList, []domain.Category{{Slug: "movies", Name: "Movies", TorrentCount: 3}}, readAs[[]domain.Category](caching.CategoryList)},
		{caching.Sessions, domain.Session{ID: "ab", UserID: "u", CreatedAt: at, ExpiresAt: at.Add(time.Hour)}, readAs[domain.Session](caching.Sessions)},
		{caching.Users, domain.User{ID: "u", Email: "a@example.com", Name: "A", Image: "https://example.com/a.png", CreatedAt: at, UpdatedAt: at}, readAs[domain.User](caching.Users)},
	}
}

// Every value the cache stores survives the shared tier's encoding: written by one instance into
// the shared tier, read back by another with an empty process tier, equal, and without a cache
// error. Spaces the policy keeps in the process only are put through a shared space of the same
// type, so a change of policy cannot meet an encoding that was never tried.
// Regression: a torrent without a v2 info hash encoded it as 64 zeros, which decoding refused.
func TestEveryCachedValueRoundTripsThroughTheSharedTier(t *testing.T) {
	for _, c := range everyCachedValue() {
		t.Run(c.space.Name+"/"+reflect.TypeOf(c.value).String(), func(t *testing.T) {
			sp := c.space
			sp.Shared, sp.Revocable, sp.Generation = true, false, nil
			sp.Race = false // a raced read may call the fill too: this test is about the encoding only
			shared := newMapCache()
			ctx := context.Background()
			writer := caching.NewStore(shared, newClock(), caching.Options{Logger: quiet})
			if _, err := c.read(ctx, writer, sp, c.value); err != nil {
				t.Fatal(err)
			}
			if shared.len() == 0 {
				t.Fatal("nothing reached the shared tier")
			}
			reader := caching.NewStore(shared, newClock(), caching.Options{Logger: quiet})
			got, err := c.read(ctx, reader, sp, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st := reader.Stats(); st.SharedHits != 1 || st.Errors != 0 || st.Fills != 0 {
				t.Fatalf("read back: %+v", st)
			}
			if !reflect.DeepEqual(got, c.value) {
				t.Fatalf("read back\n%#v\nwant\n%#v", got, c.value)
			}
		})
	}
}

func (m *mapCache) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.data)
}
