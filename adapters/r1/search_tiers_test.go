package r1

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// When the probe saw every match and they are few, but bm25 may not rank them (the text alone
// matches more than relevanceScored), the tiers are paged over every match walked oldest first
// (fewTierPage): the tiers' order (the name's matches first, newest first in each), both ways, by
// cursor, beside a filter the match carries and one it does not, with the exact total; the same
// pages as the name tiers walked newest first, which the planner takes where pages go ahead with
// the probe (D1).
func TestSearchFewTiersAreTheTiers(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		repo.relevanceScored = 5
		torrents := numberedTorrents(t, 30, func(i int, tor *domain.Torrent) {
			switch i % 3 {
			case 0:
				tor.Name = fmt.Sprintf("Common Story %d", i) // the name's tier
			case 1:
				tor.Files = []domain.File{{Path: fmt.Sprintf("common/file-%d.mkv", i), Size: 1000}} // the other tier
			}
			if i%5 == 0 {
				tor.Category = domain.CategoryRef{Slug: "books", Name: "Books"}
			}
		})
		upsert(t, repo, torrents...)
		idOf := make([]int64, len(torrents))
		for i, tor := range torrents {
			idOf[i] = scalar(t, db, "SELECT id FROM torrents WHERE info_hash = ?", tor.InfoHash.String())
		}
		aheadCosts := repo.db.costs()
		aheadCosts.RoundTrip = 30_000
		for _, seeded := range []bool{false, true} {
			for _, order := range []domain.SortOrder{domain.Descending, domain.Ascending} {
				apply := func(c *domain.SearchCriteria) {
					c.Categories, c.Order = []string{"books"}, order
					if seeded {
						c.MinSeeders = ptr(int64(1))
					}
				}
				// In books: 0 and 15 by name, 10 and 25 by a file; 0 has no seeders.
				var want []int64
				for _, tier := range [][]int{{15, 0}, {25, 10}} {
					for _, i := range tier {
						if !seeded || torrents[i].Seeders >= 1 {
							want = append(want, idOf[i])
						}
					}
				}
				if order == domain.Ascending {
					slices.Reverse(want)
				}
				name := fmt.Sprintf("seeded %v %s", seeded, order)
				q, p := probedQuery(t, ctx, repo, criteria(t, "common", 2, apply), domain.SearchCountLimit)
				if got := repo.plan(q, p); got != fewTiers {
					t.Fatalf("%s: planned %v, want fewTiers", name, got)
				}
				for _, costs := range []*Costs{nil, &aheadCosts} {
					repo.planCosts = costs
					var got []int64
					c := criteria(t, "common", 2, apply)
					for range 5 {
						page, err := repo.Search(ctx, c)
						if err != nil {
							t.Fatal(err)
						}
						if page.Total != len(want) || !page.TotalExact {
							t.Fatalf("%s (pages ahead %v): total %d exact %v, want %d", name, costs != nil, page.Total, page.TotalExact, len(want))
						}
						got = append(got, ids(page.Items)...)
						if page.Next == nil {
							break
						}
						c.Cursor = page.Next
					}
					if !slices.Equal(got, want) {
						t.Fatalf("%s (pages ahead %v): %v, want %v", name, costs != nil, got, want)
					}
				}
				repo.planCosts = nil
			}
		}
	})
}
