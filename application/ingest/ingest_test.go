package ingest_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/mocks"
)

const (
	bbb    = "dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"
	sintel = "08ada5a7a6183aae1e09d831df6748d566095a10"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var now = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

func newService(t *testing.T, decoder ports.MetainfoDecoder) (*ingest.Service, ports.TorrentRepository) {
	t.Helper()
	cat := memory.NewCatalog(fixedClock{now})
	cache := caching.NewStore(nil, fixedClock{now}, caching.Options{Logger: quiet})
	return ingest.NewService(cat.Torrents(), decoder, cache, fixedClock{now}, quiet), cat.Torrents()
}

func TestIngestCreatesThenUpdatesByInfoHash(t *testing.T) {
	svc, repo := newService(t, nil)
	ctx := context.Background()
	first, err := svc.Ingest(ctx, []ingest.Item{{InfoHash: strings.ToUpper(bbb), Name: "Big Buck Bunny", Seeders: 5, Category: "Movies"}})
	if err != nil || first.Created != 1 || first.Results[0].Status != ingest.Created || first.Results[0].InfoHash != bbb {
		t.Fatalf("first: %+v, %v", first, err)
	}
	second, err := svc.Ingest(ctx, []ingest.Item{{InfoHash: bbb, Name: "Big Buck Bunny", Seeders: 50, Category: "movies"}})
	if err != nil || second.Updated != 1 || second.Created != 0 {
		t.Fatalf("second: %+v, %v", second, err)
	}
	third, err := svc.Ingest(ctx, []ingest.Item{{InfoHash: bbb, Name: "Big Buck Bunny", Seeders: 50, Category: "movies"}})
	if err != nil || third.Unchanged != 1 || third.Updated != 0 || third.Results[0].Status != ingest.Unchanged {
		t.Fatalf("third, the same as the second: %+v, %v", third, err)
	}
	h, _ := domain.ParseInfoHash(bbb)
	got, err := repo.Get(ctx, domain.TorrentRef{InfoHash: h})
	if err != nil || got.Seeders != 50 || got.Category.Slug != "movies" {
		t.Fatalf("stored: %+v, %v", got, err)
	}
	if !got.UploadedAt.Equal(now) {
		t.Fatalf("uploadedAt defaulted to %v, want the ingest time", got.UploadedAt)
	}
}

func TestMagnetFillsWhatTheItemLeavesOut(t *testing.T) {
	svc, repo := newService(t, nil)
	ctx := context.Background()
	magnet := "magnet:?xt=urn:btih:" + bbb + "&dn=Big+Buck+Bunny&xl=276445467&tr=udp%3A%2F%2Fexplodie.org%3A6969&tr=gopher%3A%2F%2Fold.example"
	report, err := svc.Ingest(ctx, []ingest.Item{{Magnet: magnet, Category: "Open Movies"}})
	if err != nil || report.Created != 1 {
		t.Fatalf("%+v, %v", report, err)
	}
	h, _ := domain.ParseInfoHash(report.Results[0].InfoHash)
	got, _ := repo.Get(ctx, domain.TorrentRef{InfoHash: h})
	if got.Name != "Big Buck Bunny" || got.Size != 276445467 || got.Category.Slug != "open-movies" || got.Category.Name != "Open Movies" {
		t.Fatalf("stored %+v", got)
	}
	if len(got.Trackers) != 1 || got.Trackers[0] != "udp://explodie.org:6969" {
		t.Fatalf("trackers %q: the magnet's unusable tracker must be skipped, not fail the item", got.Trackers)
	}
}

func TestTorrentFileIsDecodedAndMustAgreeWithTheItem(t *testing.T) {
	ctrl := gomock.NewController(t)
	decoder := mocks.NewMockMetainfoDecoder(ctrl)
	h, _ := domain.ParseInfoHash(bbb)
	decoder.EXPECT().Decode([]byte("d4:infod...ee")).Return(ports.Metainfo{
		InfoHash: h, Name: "Big Buck Bunny",
		Files: []domain.File{{Path: "Big Buck Bunny/Big Buck Bunny.mp4", Size: 100}, {Path: "Big Buck Bunny/poster.jpg", Size: 20}},
		Size:  120, Trackers: []string{"udp://tracker.example:1337/announce"},
	}, nil).Times(2)
	svc, repo := newService(t, decoder)
	file := base64.StdEncoding.EncodeToString([]byte("d4:infod...ee"))
	report, err := svc.Ingest(context.Background(), []ingest.Item{
		{TorrentFile: file, Category: "movies"},
		{TorrentFile: file, InfoHash: sintel},
	})
	if err != nil {
		t.Fatal(err)
	}
	if report.Results[0].Status != ingest.Created {
		t.Fatalf("file item: %+v", report.Results[0])
	}
	if r := report.Results[1]; r.Status != ingest.Failed || r.Problem.Field != "torrentFile" {
		t.Fatalf("mismatching hash: %+v", r)
	}
	got, _ := repo.Get(context.Background(), domain.TorrentRef{InfoHash: h})
	if got.Size != 120 || len(got.Files) != 2 || len(got.Trackers) != 1 {
		t.Fatalf("stored %+v", got)
	}
}

func TestOneBadItemNeverFailsTheBatch(t *testing.T) {
	ctrl := gomock.NewController(t)
	decoder := mocks.NewMockMetainfoDecoder(ctrl)
	decoder.EXPECT().Decode(gomock.Any()).Return(ports.Metainfo{}, domain.Invalid("torrentFile", "is not bencoded")).AnyTimes()
	svc, _ := newService(t, decoder)
	v2only := "magnet:?xt=urn:btmh:1220" + strings.Repeat("ab", 32) + "&dn=v2"
	items := []ingest.Item{
		{InfoHash: bbb, Name: "ok"},
		{Name: "no identity"},
		{InfoHash: "xyz", Name: "bad hash"},
		{Magnet: "http://not-a-magnet"},
		{Magnet: v2only},
		{InfoHash: sintel, Magnet: "magnet:?xt=urn:btih:" + bbb, Name: "two hashes"},
		{TorrentFile: "!!!not base64!!!"},
		{TorrentFile: base64.StdEncoding.EncodeToString([]byte("garbage"))},
		{InfoHash: sintel, Name: "x", Size: 10, Files: []domain.File{{Path: "a", Size: 3}}},
		{InfoHash: sintel, Name: "x", UploadedAt: now.Add(72 * time.Hour)},
		{InfoHash: sintel, Name: "x", Category: "!!!"},
		{InfoHash: sintel},
	}
	report, err := svc.Ingest(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "infoHash", "infoHash", "magnet", "infoHash", "magnet", "torrentFile", "torrentFile", "size", "uploadedAt", "category", "name"}
	if report.Created != 1 || report.Failed != len(items)-1 {
		t.Fatalf("created %d failed %d", report.Created, report.Failed)
	}
	for i, r := range report.Results {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
		if i == 0 {
			continue
		}
		if r.Status != ingest.Failed || r.Problem == nil || r.Problem.Field != want[i] {
			t.Errorf("item %d: %+v %+v, want a failure on %q", i, r, r.Problem, want[i])
		}
	}
	if report.Results[2].InfoHash != "" || report.Results[5].InfoHash != sintel {
		t.Errorf("failed items name the hash when it was known: %q %q", report.Results[2].InfoHash, report.Results[5].InfoHash)
	}
}

func TestBatchSizeIsBounded(t *testing.T) {
	svc, _ := newService(t, nil)
	for _, n := range []int{0, ingest.MaxBatch + 1} {
		_, err := svc.Ingest(context.Background(), make([]ingest.Item, n))
		var v *domain.ValidationError
		if !errors.As(err, &v) || v.Problems[0].Field != "torrents" {
			t.Errorf("%d items: %v", n, err)
		}
	}
}

// A bulk caller (an import) prepares batches up to MaxBulkBatch; Ingest, the API's call, stays at
// MaxBatch.
func TestBulkBatchesAreBoundedToo(t *testing.T) {
	svc, _ := newService(t, nil)
	for n, ok := range map[int]bool{ingest.MaxBatch + 1: true, ingest.MaxBulkBatch: true, ingest.MaxBulkBatch + 1: false, 0: false} {
		items := make([]ingest.Item, n)
		_, err := svc.Prepare(items)
		if (err == nil) != ok {
			t.Errorf("Prepare of %d items: %v", n, err)
		}
	}
}

func TestAStoreFailureFailsTheCall(t *testing.T) {
	ctrl := gomock.NewController(t)
	repo := mocks.NewMockTorrentRepository(ctrl)
	repo.EXPECT().Upsert(gomock.Any(), gomock.Any()).Return(nil, domain.ErrUnavailable)
	cache := caching.NewStore(nil, fixedClock{now}, caching.Options{Logger: quiet})
	svc := ingest.NewService(repo, nil, cache, fixedClock{now}, quiet)
	if _, err := svc.Ingest(context.Background(), []ingest.Item{{InfoHash: bbb, Name: "x"}}); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

// An ingest's writes yield their turns at a busy store to the reads clients wait for
// (ports.Background): before, a crawler's batch queued ahead of them at D1.
func TestAnIngestYieldsItsTurnsAtTheStore(t *testing.T) {
	ctrl := gomock.NewController(t)
	repo := mocks.NewMockTorrentRepository(ctrl)
	later := time.Now().Add(time.Hour)
	var rank time.Time
	repo.EXPECT().Upsert(gomock.Any(), gomock.Any()).DoAndReturn(func(ctx context.Context, ts []domain.Torrent) ([]domain.UpsertOutcome, error) {
		rank = ports.TurnRank(ctx, later)
		return []domain.UpsertOutcome{{InfoHash: ts[0].InfoHash, ID: 1, Created: true}}, nil
	})
	cache := caching.NewStore(nil, fixedClock{now}, caching.Options{Logger: quiet})
	svc := ingest.NewService(repo, nil, cache, fixedClock{now}, quiet)
	began := time.Now()
	if _, err := svc.Ingest(context.Background(), []ingest.Item{{InfoHash: bbb, Name: "x"}}); err != nil {
		t.Fatal(err)
	}
	if rank.Before(began.Add(ports.BackgroundYield)) || rank.After(time.Now().Add(ports.BackgroundYield)) {
		t.Fatalf("an ingest ranks its store requests at %v, want %v after it began (%v)", rank, ports.BackgroundYield, began)
	}
}
