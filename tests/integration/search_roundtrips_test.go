package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/domain"
)

// roundTripTorrents is the catalog of TestD1SearchRoundTrips: more than the searches' relevance
// bound (1,000 matches) hold "common", so it has many matches and "rare" few.
const roundTripTorrents = 1100

// On workerd's D1 an uncached search is one request when its strategy needs no cost (its text
// matches at most 1,000 torrents, or it is by relevance without filters: the pages sent ahead with
// the probe, adapters/r1/search_ahead.go) and two otherwise; the pages are the local file's.
// Before the pages went out with the probe, every search here took two requests.
func TestD1SearchRoundTrips(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	db := d1Store(tg)(t)
	repo := r1.NewTorrentRepository(db)
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	now := time.Now()
	slugs := []string{"movies", "tv", "books"}
	var list []domain.Torrent
	for i := range roundTripTorrents {
		category, err := domain.NewCategoryRef(slugs[i%3])
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("Common Item %d", i)
		if i%50 == 0 {
			name += " rare"
		}
		tr := domain.Torrent{InfoHash: domain.InfoHash{byte(i), byte(i >> 8), 11}, Name: name, Category: category,
			Size: int64(1+i%7) << 20, Seeders: int64(i % 100), UploadedAt: now.Add(-time.Duration(i) * time.Minute)}
		if err := tr.Normalize(now); err != nil {
			t.Fatal(err)
		}
		list = append(list, tr)
	}
	plain := storedOnBoth(t, ctx, repo, list)
	seeders := int64(40)
	for _, tc := range []struct {
		name     string
		text     string
		mutate   func(*domain.SearchCriteria)
		requests int64
	}{
		{"few, relevance", "rare", nil, 1},
		{"few, two words", "rare common", nil, 1},
		{"few, a filter", "rare", func(c *domain.SearchCriteria) { c.MinSeeders = &seeders }, 1},
		{"few, a carried filter", "rare", func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} }, 1},
		{"few, by seeders", "rare", func(c *domain.SearchCriteria) { c.Sort = domain.SortSeeders }, 1},
		{"many, relevance", "common", nil, 1},
		{"many, relevance, a carried filter", "common", func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} }, 1},
		{"many, relevance, a filter", "common", func(c *domain.SearchCriteria) { c.MinSeeders = &seeders }, 2},
		{"many, by seeders", "common", func(c *domain.SearchCriteria) { c.Sort = domain.SortSeeders }, 2},
	} {
		c := domain.SearchCriteria{Text: tc.text, Limit: 10}
		if tc.mutate != nil {
			tc.mutate(&c)
		}
		if err := c.Normalize(); err != nil {
			t.Fatal(err)
		}
		before := db.Calls()
		got, err := repo.Search(ctx, c)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if requests := db.Calls() - before; requests != tc.requests {
			t.Errorf("%s: %d D1 requests, want %d", tc.name, requests, tc.requests)
		}
		want, err := plain.Search(ctx, c)
		if err != nil {
			t.Fatalf("%s, local: %v", tc.name, err)
		}
		if g, w := pageNames(got), pageNames(want); !slices.Equal(g, w) || got.Total != want.Total || got.TotalExact != want.TotalExact {
			t.Errorf("%s: D1's page %v (total %d, exact %v), the local file's %v (total %d, exact %v)",
				tc.name, g, got.Total, got.TotalExact, w, want.Total, want.TotalExact)
		}
	}
}

// pageNames are a page's torrents by name, to compare D1's page with the local file's.
func pageNames(p domain.SearchPage) []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.Name)
	}
	return out
}

// storedOnBoth stores list on D1 (repo) and on a local file of its own, the reference D1's pages
// are compared with, and returns the local file's repository.
func storedOnBoth(t *testing.T, ctx context.Context, repo *r1.TorrentRepository, list []domain.Torrent) *r1.TorrentRepository {
	t.Helper()
	local, err := r1.OpenFile(ctx, filepath.Join(t.TempDir(), "local.db"), r1.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = local.Close() })
	if err := local.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	plain := r1.NewTorrentRepository(local)
	for _, r := range []*r1.TorrentRepository{repo, plain} {
		if _, err := r.Upsert(ctx, list); err != nil {
			t.Fatal(err)
		}
	}
	return plain
}
