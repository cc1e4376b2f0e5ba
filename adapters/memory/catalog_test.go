package memory_test

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/domain"
)

// The contract suite (tests/contract) covers the ports; these cover what it cannot reach cheaply
// on every adapter.

func TestSearchTotalStopsAtTheCountLimit(t *testing.T) {
	ctx := context.Background()
	repo := memory.NewCatalog(nil).Torrents()
	batch := make([]domain.Torrent, domain.SearchCountLimit+1)
	for i := range batch {
		batch[i] = domain.Torrent{InfoHash: sha1.Sum([]byte(fmt.Sprint(i))), Name: "Same name", Category: domain.CategoryRef{Slug: "other"}}
	}
	batch[0].Category.Slug = "movies" // so that "other" holds exactly the limit
	if _, err := repo.Upsert(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c          domain.SearchCriteria
		total      int
		totalExact bool
	}{
		{domain.SearchCriteria{Text: "same", Terms: []string{"same"}, Limit: 10}, domain.SearchCountLimit, false},
		{domain.SearchCriteria{MinSize: new(int64), Limit: 10, Sort: domain.SortDate, Order: domain.Descending}, domain.SearchCountLimit, false},
		{domain.SearchCriteria{Categories: []string{"other"}, Limit: 10}, domain.SearchCountLimit, true},
		{domain.SearchCriteria{Text: "same", Terms: []string{"same"}, After: time.Unix(1, 0), Limit: 10}, 0, true},
	} {
		page, err := repo.Search(ctx, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != tc.total || page.TotalExact != tc.totalExact || (tc.total > 0 && page.Next == nil) {
			t.Errorf("%+v: total %d exact %v next %v; want %d, %v", tc.c, page.Total, page.TotalExact, page.Next, tc.total, tc.totalExact)
		}
	}
}

func TestUpsertRefusesTheWholeCallOnABadTorrent(t *testing.T) {
	ctx := context.Background()
	cat := memory.NewCatalog(&steppedClock{now: time.Unix(1_700_000_000, 0)})
	good := domain.Torrent{InfoHash: sha1.Sum([]byte("good")), Name: "Good", Category: domain.CategoryRef{Slug: "new-cat", Name: "New"}}
	_, err := cat.Torrents().Upsert(ctx, []domain.Torrent{good, {Name: "No hash"}})
	if !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("Upsert with a zero info hash: %v, want ErrInvalid", err)
	}
	if _, err := cat.Torrents().Get(ctx, domain.TorrentRef{InfoHash: good.InfoHash}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the good torrent of a refused call was stored (%v)", err)
	}
	list, _ := cat.Categories().List(ctx)
	if len(list) != len(domain.DefaultCategories()) {
		t.Errorf("a refused call created categories: %d listed", len(list))
	}
	got, _ := cat.Torrents().Upsert(ctx, []domain.Torrent{good})
	if stored, err := cat.Torrents().Get(ctx, domain.TorrentRef{ID: got[0].ID}); err != nil || !stored.CreatedAt.Equal(time.Unix(1_700_000_000, 0)) {
		t.Errorf("CreatedAt = %v (%v), want the injected clock's time", stored.CreatedAt, err)
	}
}

func TestEnsureNeedsSlugs(t *testing.T) {
	ctx := context.Background()
	cats := memory.NewCatalog(nil).Categories()
	for _, refs := range [][]domain.CategoryRef{
		{{Slug: "fine", Name: "Fine"}, {Name: "No slug"}},
		{{Slug: strings.Repeat("s", domain.MaxSlugLength+1), Name: "Long"}},
	} {
		if err := cats.Ensure(ctx, refs); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Ensure(%v) = %v, want ErrInvalid", refs, err)
		}
	}
	if list, _ := cats.List(ctx); len(list) != len(domain.DefaultCategories()) {
		t.Errorf("a refused Ensure created categories: %+v", list)
	}
}

func TestLimitsAreBroughtIntoRange(t *testing.T) {
	ctx := context.Background()
	repo := memory.NewCatalog(nil).Torrents()
	batch := make([]domain.Torrent, domain.MaxPageSize+10)
	for i := range batch {
		batch[i] = domain.Torrent{InfoHash: sha1.Sum([]byte(fmt.Sprint(i))), Name: "T", Category: domain.CategoryRef{Slug: "other"}}
	}
	if _, err := repo.Upsert(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for limit, want := range map[int]int{0: domain.DefaultPageSize, -5: 1, 1000: domain.MaxPageSize, 7: 7} {
		latest, _ := repo.Latest(ctx, "", limit)
		page, _ := repo.Search(ctx, domain.SearchCriteria{Limit: limit, Sort: domain.SortDate, Order: domain.Descending})
		if len(latest) != want || len(page.Items) != want {
			t.Errorf("limit %d: Latest %d items, Search %d; want %d", limit, len(latest), len(page.Items), want)
		}
	}
}
