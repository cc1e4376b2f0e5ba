package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/mock/gomock"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/tests/mocks"
)

// withCatalog is the ingest service and the catalog's read side over one store and one cache, as
// the server wires them.
func withCatalog(t *testing.T) (*ingest.Service, *catalog.Service) {
	t.Helper()
	cat := memory.NewCatalog(fixedClock{now})
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), fixedClock{now}, caching.Options{Logger: quiet})
	return ingest.NewService(cat.Torrents(), nil, cache, fixedClock{now}, quiet),
		catalog.NewService(cat.Torrents(), cat.Categories(), cache, nil, nil)
}

func latestHashes(t *testing.T, c *catalog.Service) []string {
	t.Helper()
	items, err := c.Latest(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.InfoHash.String())
	}
	return out
}

func movieCount(t *testing.T, c *catalog.Service) int64 {
	t.Helper()
	list, err := c.Categories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, cat := range list {
		if cat.Slug == "movies" {
			return cat.TorrentCount
		}
	}
	t.Fatal("no movies category")
	return 0
}

func TestTakeDownRemovesThroughTheCacheAndBlocks(t *testing.T) {
	svc, cat := withCatalog(t)
	ctx := context.Background()
	other := strings.Repeat("ab", 20)
	if rep, err := svc.Ingest(ctx, []ingest.Item{{InfoHash: bbb, Name: "Big Buck Bunny", Category: "movies"},
		{InfoHash: sintel, Name: "Sintel", Category: "movies"}}); err != nil || rep.Created != 2 {
		t.Fatalf("seed: %+v %v", rep, err)
	}
	// Warm every cached read.
	if got := latestHashes(t, cat); len(got) != 2 || movieCount(t, cat) != 2 {
		t.Fatalf("before: %v", got)
	}
	if _, err := cat.Details(ctx, bbb); err != nil {
		t.Fatal(err)
	}

	rep, err := svc.TakeDown(ctx, []string{" " + strings.ToUpper(bbb) + " ", "not-a-hash", other, bbb})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Removed != 2 || rep.Blocked != 1 || rep.Failed != 1 {
		t.Fatalf("report: %+v", rep)
	}
	for i, want := range []ingest.TakedownStatus{ingest.TakedownRemoved, ingest.TakedownFailed, ingest.TakedownBlocked, ingest.TakedownRemoved} {
		r := rep.Results[i]
		if r.Index != i || r.Status != want {
			t.Fatalf("result %d: %+v, want %s", i, r, want)
		}
		if (r.Problem != nil) != (want == ingest.TakedownFailed) || (r.ID != 0) != (want == ingest.TakedownRemoved) {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if rep.Results[0].InfoHash != bbb || rep.Results[1].InfoHash != "" || rep.Results[1].Problem.Field != "infoHashes[1]" {
		t.Fatalf("results: %+v", rep.Results)
	}
	if _, err := cat.Details(ctx, bbb); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("cached details after the takedown: %v", err)
	}
	if got := latestHashes(t, cat); len(got) != 1 || got[0] != sintel || movieCount(t, cat) != 1 {
		t.Fatalf("cached latest after the takedown: %v", got)
	}

	// Both blocked hashes are reported blocked by ingest, with the reason, and not stored.
	again, err := svc.Ingest(ctx, []ingest.Item{{InfoHash: bbb, Name: "Big Buck Bunny"}, {InfoHash: other, Name: "Other"},
		{InfoHash: sintel, Name: "Sintel", Category: "movies"}})
	if err != nil || again.Blocked != 2 || again.Unchanged != 1 || again.Created != 0 { // Sintel as stored: unchanged
		t.Fatalf("re-ingest: %+v %v", again, err)
	}
	for _, r := range again.Results[:2] {
		if r.Status != ingest.Blocked || r.Problem == nil || r.Problem.Field != "infoHash" {
			t.Fatalf("blocked result: %+v", r)
		}
	}
	if _, err := cat.Details(ctx, bbb); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a blocked ingest stored the torrent: %v", err)
	}

	if err := svc.Unblock(ctx, strings.ToUpper(bbb)); err != nil {
		t.Fatal(err)
	}
	if err := svc.Unblock(ctx, bbb); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("second unblock: %v", err)
	}
	if err := svc.Unblock(ctx, "nope"); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("malformed unblock: %v", err)
	}
	back, err := svc.Ingest(ctx, []ingest.Item{{InfoHash: bbb, Name: "Big Buck Bunny", Category: "movies"}})
	if err != nil || back.Created != 1 {
		t.Fatalf("ingest after the unblock: %+v %v", back, err)
	}
	if got := latestHashes(t, cat); len(got) != 2 || movieCount(t, cat) != 2 {
		t.Fatalf("after the return: %v", got)
	}
}

func TestTakeDownOne(t *testing.T) {
	svc, cat := withCatalog(t)
	ctx := context.Background()
	_, err := svc.Ingest(ctx, []ingest.Item{{InfoHash: bbb, Name: "Big Buck Bunny"}, {InfoHash: sintel, Name: "Sintel"}})
	if err != nil {
		t.Fatal(err)
	}
	first, err := cat.Details(ctx, bbb)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.TakeDownOne(ctx, "1")
	if err != nil || got.InfoHash.String() != bbb || got.ID != first.ID {
		t.Fatalf("by id: %+v %v", got, err)
	}
	for _, ref := range []string{"1", bbb} {
		if _, err := svc.TakeDownOne(ctx, ref); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("again by %s: %v", ref, err)
		}
	}
	if _, err := svc.TakeDownOne(ctx, "not an id"); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("malformed: %v", err)
	}
	// An unknown hash is a 404 that blocks nothing.
	unknown := strings.Repeat("cd", 20)
	if _, err := svc.TakeDownOne(ctx, unknown); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if rep, err := svc.Ingest(ctx, []ingest.Item{{InfoHash: unknown, Name: "Fresh"}, {InfoHash: bbb, Name: "Big Buck Bunny"}}); err != nil ||
		rep.Created != 1 || rep.Blocked != 1 {
		t.Fatalf("after the single takedowns: %+v %v", rep, err)
	}
	// By hash, in the case and form GET accepts.
	if _, err := svc.TakeDownOne(ctx, strings.ToUpper(sintel)); err != nil {
		t.Fatal(err)
	}
	if got := latestHashes(t, cat); len(got) != 1 || got[0] != unknown {
		t.Fatalf("latest: %v", got)
	}
}

func TestTakeDownIsBounded(t *testing.T) {
	svc, _ := withCatalog(t)
	for _, n := range []int{0, ingest.MaxTakedown + 1} {
		if _, err := svc.TakeDown(context.Background(), make([]string, n)); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("%d hashes: %v", n, err)
		}
	}
}

// A store failure fails the whole call: nothing of the report would be true. The store gets each
// hash once, however often it was given.
func TestTakeDownStoreFailure(t *testing.T) {
	ctrl := gomock.NewController(t)
	repo := mocks.NewMockTorrentRepository(ctrl)
	h, _ := domain.ParseInfoHash(bbb)
	repo.EXPECT().TakeDown(gomock.Any(), []domain.InfoHash{h}).Return(nil, domain.ErrUnavailable)
	cache := caching.NewStore(nil, fixedClock{now}, caching.Options{Logger: quiet})
	svc := ingest.NewService(repo, nil, cache, fixedClock{now}, quiet)
	if _, err := svc.TakeDown(context.Background(), []string{bbb, strings.ToUpper(bbb)}); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

func TestListBlockedPages(t *testing.T) {
	svc, _ := withCatalog(t)
	ctx := context.Background()
	var hashes []string
	for _, c := range "321" {
		hashes = append(hashes, strings.Repeat(string(c), 40))
	}
	if _, err := svc.TakeDown(ctx, hashes); err != nil {
		t.Fatal(err)
	}
	page, err := svc.ListBlocked(ctx, "", 2)
	if err != nil || len(page.Items) != 2 || page.Items[0].InfoHash.String() != strings.Repeat("1", 40) || page.Next != strings.Repeat("2", 40) {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, err = svc.ListBlocked(ctx, page.Next, 2)
	if err != nil || len(page.Items) != 1 || page.Items[0].InfoHash.String() != strings.Repeat("3", 40) || page.Next != "" {
		t.Fatalf("last page: %+v %v", page, err)
	}
	if page, err := svc.ListBlocked(ctx, "", 0); err != nil || len(page.Items) != 3 || page.Next != "" {
		t.Fatalf("default page: %+v %v", page, err)
	}
	for _, c := range []struct {
		after string
		limit int
	}{{"nope", 10}, {"", -1}, {"", 101}} {
		if _, err := svc.ListBlocked(ctx, c.after, c.limit); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("%+v: %v", c, err)
		}
	}
}
