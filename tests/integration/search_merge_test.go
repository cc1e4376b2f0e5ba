package integration

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/domain"
)

// The merges of adapters/r1/search_merge.go on workerd's D1 (INTERSECT in id order, the count's
// CASE) give the local file's pages, cursors and totals: a common word with a filter that keeps a
// share of its matches (the count merged with the torrents passing it), with a narrow one (the page
// merged: a last word longer than the prefix index, which D1 does not write out, so a check of each
// torrent would merge its lists), and with a category list too long to carry and a date range.
func TestD1SearchMerges(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	repo := r1.NewTorrentRepository(d1Store(tg)(t))
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	now := time.Now()
	slugs := []string{"movies", "tv", "books", "music", "games"}
	var list []domain.Torrent
	for i := range roundTripTorrents {
		category, err := domain.NewCategoryRef(slugs[i%len(slugs)])
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("Common Item %d", i)
		if i%3 == 0 {
			name = fmt.Sprintf("Item %d", i) // "common" only in its file's path: the lower tier
		}
		tr := domain.Torrent{InfoHash: domain.InfoHash{byte(i), byte(i >> 8), 12}, Name: name, Category: category,
			Files:   []domain.File{{Path: "common/" + name + ".bin", Size: int64(1+i%7) << 20}},
			Seeders: int64(i % 100), UploadedAt: now.Add(-time.Duration(i) * time.Hour)}
		if err := tr.Normalize(now); err != nil {
			t.Fatal(err)
		}
		list = append(list, tr)
	}
	plain := storedOnBoth(t, ctx, repo, list)
	i64 := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		name   string
		mutate func(*domain.SearchCriteria)
	}{
		{"a filter that keeps some", func(c *domain.SearchCriteria) { c.MinSeeders = i64(40) }},
		{"a narrow filter", func(c *domain.SearchCriteria) { c.MinSeeders = i64(98) }},
		{"a narrow filter by seeders", func(c *domain.SearchCriteria) { c.MinSeeders, c.Sort = i64(98), domain.SortSeeders }},
		{"a narrow filter by name, ascending", func(c *domain.SearchCriteria) {
			c.MinSeeders, c.Sort, c.Order = i64(98), domain.SortName, domain.Ascending
		}},
		{"categories and a date", func(c *domain.SearchCriteria) {
			c.Categories, c.After = []string{"tv", "books", "music", "games"}, now.Add(-600*time.Hour)
		}},
	} {
		c := domain.SearchCriteria{Text: "common", Limit: 7}
		tc.mutate(&c)
		if err := c.Normalize(); err != nil {
			t.Fatal(err)
		}
		for page := 0; ; page++ {
			got, err := repo.Search(ctx, c)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			want, err := plain.Search(ctx, c)
			if err != nil {
				t.Fatalf("%s, local: %v", tc.name, err)
			}
			if g, w := pageNames(got), pageNames(want); !slices.Equal(g, w) || got.Total != want.Total || got.TotalExact != want.TotalExact {
				t.Fatalf("%s, page %d: D1's %v (total %d, exact %v), the local file's %v (total %d, exact %v)",
					tc.name, page, g, got.Total, got.TotalExact, w, want.Total, want.TotalExact)
			}
			if page == 0 && (got.Total == 0 || !got.TotalExact) {
				t.Fatalf("%s: total %d exact %v: the search should keep some, counted", tc.name, got.Total, got.TotalExact)
			}
			if got.Next == nil || page == 3 {
				break
			}
			c.Cursor = got.Next
		}
	}
}
