package catalog_test

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// countingRepo counts the reads that reach the store, to tell cache hits from misses.
type countingRepo struct {
	ports.TorrentRepository
	searches, latest, gets atomic.Int32
}

func (r *countingRepo) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	r.searches.Add(1)
	return r.TorrentRepository.Search(ctx, c)
}

func (r *countingRepo) Latest(ctx context.Context, slug string, limit int) ([]domain.TorrentSummary, error) {
	r.latest.Add(1)
	return r.TorrentRepository.Latest(ctx, slug, limit)
}

func (r *countingRepo) Get(ctx context.Context, ref domain.TorrentRef) (domain.Torrent, error) {
	r.gets.Add(1)
	return r.TorrentRepository.Get(ctx, ref)
}

type recorder struct {
	views    []domain.TorrentSummary
	searches []string
}

func (r *recorder) RecordView(_ context.Context, t domain.TorrentSummary) {
	r.views = append(r.views, t)
}
func (r *recorder) RecordSearch(_ context.Context, q string) { r.searches = append(r.searches, q) }

type fixture struct {
	svc   *catalog.Service
	repo  *countingRepo
	cache *caching.Store
	rec   *recorder
}

func newFixture(t *testing.T, n int) fixture {
	t.Helper()
	cat := memory.NewCatalog(ports.SystemClock{})
	repo := &countingRepo{TorrentRepository: cat.Torrents()}
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), ports.SystemClock{}, caching.Options{Logger: quiet})
	rec := &recorder{}
	svc := catalog.NewService(repo, cat.Categories(), cache, nil, rec)
	var batch []domain.Torrent
	for i := range n {
		batch = append(batch, torrent(t, i, fmt.Sprintf("Open Movie %02d 1080p", i)))
	}
	if n > 0 {
		if _, err := cat.Torrents().Upsert(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	return fixture{svc: svc, repo: repo, cache: cache, rec: rec}
}

func torrent(t *testing.T, i int, name string) domain.Torrent {
	t.Helper()
	tor := domain.Torrent{
		InfoHash:   sha1.Sum(fmt.Appendf(nil, "catalog-test-%d", i)),
		Name:       name,
		Category:   domain.CategoryRef{Slug: "movies", Name: "Movies"},
		Seeders:    int64(i),
		UploadedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
	}
	if err := tor.Normalize(time.Now()); err != nil {
		t.Fatal(err)
	}
	return tor
}

func TestSearchWalksEveryPageByCursorOnce(t *testing.T) {
	f := newFixture(t, 23)
	ctx := context.Background()
	seen := map[int64]bool{}
	req := catalog.SearchRequest{Text: "movie", Limit: 5, Sort: "seeders"}
	pages := 0
	for {
		res, err := f.svc.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if res.Page != pages || res.Total != 23 || !res.TotalExact {
			t.Fatalf("page %d: page=%d total=%d exact=%v", pages, res.Page, res.Total, res.TotalExact)
		}
		for _, it := range res.Items {
			if seen[it.ID] {
				t.Fatalf("torrent %d seen twice", it.ID)
			}
			seen[it.ID] = true
		}
		if res.NextCursor == "" {
			break
		}
		req.Cursor = res.NextCursor
	}
	if len(seen) != 23 || pages != 5 {
		t.Fatalf("saw %d torrents in %d pages", len(seen), pages)
	}
}

func TestCursorBelongsToItsSearch(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	res, err := f.svc.Search(ctx, catalog.SearchRequest{Text: "movie", Limit: 3})
	if err != nil || res.NextCursor == "" {
		t.Fatalf("%+v %v", res, err)
	}
	for name, req := range map[string]catalog.SearchRequest{
		"other text":  {Text: "open", Limit: 3, Cursor: res.NextCursor},
		"other limit": {Text: "movie", Limit: 4, Cursor: res.NextCursor},
		"other sort":  {Text: "movie", Limit: 3, Sort: "size", Cursor: res.NextCursor},
		"garbage":     {Text: "movie", Limit: 3, Cursor: "not-a-cursor"},
		"with page":   {Text: "movie", Limit: 3, Cursor: res.NextCursor, Page: 2},
	} {
		_, err := f.svc.Search(ctx, req)
		var v *domain.ValidationError
		if !errors.As(err, &v) || v.Problems[0].Field != "cursor" {
			t.Errorf("%s: err = %v, want a validation error on cursor", name, err)
		}
	}
}

func TestUnknownCategoryIsAValidationError(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	if _, err := f.svc.Search(ctx, catalog.SearchRequest{Categories: []string{"movies,nope"}}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("search: %v", err)
	}
	if _, err := f.svc.Latest(ctx, "nope", 0); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("latest: %v", err)
	}
	if items, err := f.svc.Latest(ctx, " Movies ", 0); err != nil || len(items) != 1 {
		t.Fatalf("latest with a spaced, capitalised slug: %d items, %v", len(items), err)
	}
}

func TestReadsAreCachedAndIngestInvalidatesThemOnThisInstance(t *testing.T) {
	f := newFixture(t, 3)
	ctx := context.Background()
	for range 3 {
		if _, err := f.svc.Search(ctx, catalog.SearchRequest{Text: "movie"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Latest(ctx, "", 10); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Details(ctx, "1"); err != nil {
			t.Fatal(err)
		}
	}
	if f.repo.searches.Load() != 1 || f.repo.latest.Load() != 1 || f.repo.gets.Load() != 1 {
		t.Fatalf("store reads: search %d latest %d get %d; want 1 each", f.repo.searches.Load(), f.repo.latest.Load(), f.repo.gets.Load())
	}
	// What ingest does after its upsert:
	if _, err := f.repo.Upsert(ctx, []domain.Torrent{torrent(t, 99, "Brand New Movie")}); err != nil {
		t.Fatal(err)
	}
	f.cache.Invalidate(ctx, caching.ListsGeneration)
	res, err := f.svc.Search(ctx, catalog.SearchRequest{Text: "brand"})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("search right after ingest: %+v, %v", res.Items, err)
	}
	latest, _ := f.svc.Latest(ctx, "", 10)
	if len(latest) != 4 || latest[0].Name != "Brand New Movie" {
		t.Fatalf("latest right after ingest: %d items, first %q", len(latest), latest[0].Name)
	}
	cats, _ := f.svc.Categories(ctx)
	for _, c := range cats {
		if c.Slug == "movies" && c.TorrentCount != 4 {
			t.Fatalf("movies count = %d after ingest", c.TorrentCount)
		}
	}
}

func TestDetailsByIDOrHashAndActivity(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	byID, err := f.svc.Details(ctx, "2")
	if err != nil {
		t.Fatal(err)
	}
	byHash, err := f.svc.Details(ctx, byID.InfoHash.String())
	if err != nil || byHash.ID != byID.ID {
		t.Fatalf("by hash: %+v, %v", byHash.ID, err)
	}
	if _, err := f.svc.Details(ctx, "999"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := f.svc.Details(ctx, "zzz"); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("malformed id: %v", err)
	}
	if len(f.rec.views) != 2 || f.rec.views[0].ID != byID.ID {
		t.Fatalf("views recorded: %+v", f.rec.views)
	}
	if _, err := f.svc.Search(ctx, catalog.SearchRequest{Text: "open movie"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Search(ctx, catalog.SearchRequest{}); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.searches) != 1 || f.rec.searches[0] != "open movie" {
		t.Fatalf("searches recorded: %q (a listing without text is not a search)", f.rec.searches)
	}
}

func TestBadSearchParametersNameTheirField(t *testing.T) {
	f := newFixture(t, 0)
	neg := int64(-1)
	cases := map[string]catalog.SearchRequest{
		"sort":    {Sort: "best"},
		"order":   {Order: "up"},
		"page":    {Page: -1},
		"limit":   {Limit: 101},
		"minSize": {MinSize: &neg},
	}
	for field, req := range cases {
		_, err := f.svc.Search(context.Background(), req)
		var v *domain.ValidationError
		if !errors.As(err, &v) || v.Problems[0].Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// Cursors are signed with a key derived from the service's secret: an altered or forged cursor is
// a validation error (a 400), and every instance with the same secret accepts the others'.
func TestCursorsAreSigned(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	key := catalog.CursorKey([]byte("0123456789abcdef0123456789abcdef"))
	signer := catalog.NewService(f.repo, memory.NewCatalog(ports.SystemClock{}).Categories(), f.cache, key, nil)
	res, err := signer.Search(ctx, catalog.SearchRequest{Text: "movie", Limit: 3})
	if err != nil || res.NextCursor == "" {
		t.Fatalf("%+v %v", res, err)
	}
	peer := catalog.NewService(f.repo, memory.NewCatalog(ports.SystemClock{}).Categories(), f.cache, key, nil)
	if _, err := peer.Search(ctx, catalog.SearchRequest{Text: "movie", Limit: 3, Cursor: res.NextCursor}); err != nil {
		t.Fatalf("an instance with the same secret: %v", err)
	}
	payload, mac, _ := strings.Cut(res.NextCursor, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	forgedPayload := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), `"n":2`, `"n":9`, 1)))
	other := catalog.NewService(f.repo, memory.NewCatalog(ports.SystemClock{}).Categories(), f.cache, catalog.CursorKey([]byte("another secret, another key.....")), nil)
	for name, c := range map[string]struct {
		svc    *catalog.Service
		cursor string
	}{
		"altered position": {signer, forgedPayload + "." + mac},
		"no mac":           {signer, payload},
		"empty mac":        {signer, payload + "."},
		"another secret":   {other, res.NextCursor},
		"unsigned json":    {signer, base64.RawURLEncoding.EncodeToString(raw)},
	} {
		_, err := c.svc.Search(ctx, catalog.SearchRequest{Text: "movie", Limit: 3, Cursor: c.cursor})
		var v *domain.ValidationError
		if !errors.As(err, &v) || v.Problems[0].Field != "cursor" {
			t.Errorf("%s: err = %v, want a validation error on cursor", name, err)
		}
	}
}
