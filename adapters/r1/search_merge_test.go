package r1

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// mergeCases are the shapes of filters the merged count is tried on, with what each keeps.
func mergeCases() []struct {
	name  string
	index string // mergeSide's index, "" when none holds every column
	apply func(*domain.SearchCriteria)
	keep  func(domain.Torrent) bool
} {
	i64 := func(v int64) *int64 { return &v }
	after, before := baseTime.Add(4*time.Hour), baseTime.Add(11*time.Hour)
	four := []string{"tv", "music", "games", "books"} // more than search_facets.go carries
	return []struct {
		name  string
		index string
		apply func(*domain.SearchCriteria)
		keep  func(domain.Torrent) bool
	}{
		{"seeders", "torrents_seeders", func(c *domain.SearchCriteria) { c.MinSeeders = i64(2) },
			func(tor domain.Torrent) bool { return tor.Seeders >= 2 }},
		{"size", "torrents_size", func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize = i64(100), i64(300) },
			func(tor domain.Torrent) bool { return tor.Size >= 100 && tor.Size <= 300 }},
		{"dates", "torrents_uploaded_at", func(c *domain.SearchCriteria) { c.After, c.Before = after, before },
			func(tor domain.Torrent) bool { return !tor.UploadedAt.Before(after) && tor.UploadedAt.Before(before) }},
		{"a carried category and a date", "torrents_category_uploaded_at", func(c *domain.SearchCriteria) {
			c.Categories, c.After = []string{"tv"}, after
		}, func(tor domain.Torrent) bool { return tor.Category.Slug == "tv" && !tor.UploadedAt.Before(after) }},
		{"categories not carried and a date", "torrents_category_uploaded_at", func(c *domain.SearchCriteria) {
			c.Categories, c.Before = four, before
		}, func(tor domain.Torrent) bool { return tor.Category.Slug == "tv" && tor.UploadedAt.Before(before) }},
		{"seeders and size", "", func(c *domain.SearchCriteria) { c.MinSeeders, c.MinSize = i64(1), i64(100) },
			func(tor domain.Torrent) bool { return tor.Seeders >= 1 && tor.Size >= 100 }},
		{"a carried resolution and seeders", "", func(c *domain.SearchCriteria) {
			c.Resolutions, c.MinSeeders = []string{domain.UnknownResolution}, i64(1)
		}, func(tor domain.Torrent) bool { return tor.Seeders >= 1 }},
	}
}

// mergeForced and seekForced are costs under which the merged count always, and never, pays.
func mergeForced(c Costs) Costs { c.Count, c.SortID, c.Merge = 1, 1e-9, 0; return c }
func seekForced(c Costs) Costs  { c.Count = 0; return c }

// The planner's side of the merged count: which index walks the torrents passing the filters
// without their rows, and when the merge pays.
func TestMergedCountPlan(t *testing.T) {
	for _, tc := range mergeCases() {
		c := criteria(t, "common", 5, tc.apply)
		q := newSearchQuery(c, ftsQuery(c.Terms), 10_000)
		if index, _, _ := q.mergeSide(); index != tc.index {
			t.Errorf("%s: merged on %q, want %q", tc.name, index, tc.index)
		}
	}
	q := newSearchQuery(criteria(t, "common", 50), `"common"`, 10_000)
	if index, _, _ := q.mergeSide(); index != "" {
		t.Errorf("no filter: merged on %q", index)
	}
	q = newSearchQuery(criteria(t, "common", 50, func(c *domain.SearchCriteria) { c.MinSeeders = ptr(int64(10)) }), `"common"`, 10_000)
	// "witch" at 1,000,000 torrents: 93,516 matches estimated, 58 of the 1,000 newest passing.
	witch := probed{n: 1001, complete: false, low: 989_297, top: 1_000_000, sampled: 58}
	if limit := localCosts.mergeCap(q, witch); limit < 71_370 || limit > 200_000 {
		t.Errorf("witch with minSeeders=10: merges up to %d torrents passing, want the 71,370 that do and less than 200,000", limit)
	}
	// Every one of a few thousand matches passes: the seeks stop at the bound, and a merge of the
	// whole catalog's passing torrents never pays for so few.
	few := probed{n: 1001, complete: false, low: 900_000, top: 1_000_000, sampled: 1000}
	if limit := localCosts.mergeCap(q, few); limit > 40_000 {
		t.Errorf("few matches that all pass: merges up to %d torrents passing", limit)
	}
	if limit := seekForced(localCosts).mergeCap(q, witch); limit > 0 {
		t.Errorf("free seeks: merges up to %d", limit)
	}
}

// The merged count is the count the seeks find, for every shape of filters it takes, below and
// above the bound; and a search counted that way has the total the reference says.
func TestSearchMergedCountIsTheSeekedCount(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		for _, countLimit := range []int{3, 10, 1000} {
			for _, tc := range mergeCases() {
				c := criteria(t, "common", 5, tc.apply)
				want := 0 // every torrent's file is common/file.bin
				for _, tor := range torrents {
					if tc.keep(tor) {
						want++
					}
				}
				q := newSearchQuery(c, ftsQuery(c.Terms), countLimit)
				if err := repo.expandLastTerm(ctx, q); err != nil {
					t.Fatal(err)
				}
				p, err := repo.probe(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, costs := range []Costs{mergeForced(repo.db.costs()), seekForced(repo.db.costs())} {
					q.costs = costs
					s := q.countStatement(p)
					merged := strings.Contains(s.SQL, "INTERSECT")
					if merged != (tc.index != "" && costs.Count == 1) {
						t.Fatalf("%s: merged %v with costs %+v", tc.name, merged, costs)
					}
					res, err := db.query(ctx, s)
					if err != nil {
						t.Fatalf("%s (merged %v): %v", tc.name, merged, err)
					}
					got, err := readCount(res)
					if err != nil {
						t.Fatal(err)
					}
					if got != min(want, countLimit+1) {
						t.Fatalf("bound %d, %s (merged %v): counted %d, want %d", countLimit, tc.name, merged, got, min(want, countLimit+1))
					}
				}
				// The whole search, counted either way: relevance past the scored bound is paged by the
				// tiers and counted on its own.
				for _, costs := range []Costs{mergeForced(repo.db.costs()), seekForced(repo.db.costs())} {
					repo.planCosts, repo.countLimit, repo.relevanceScored = &costs, countLimit, 2
					page, err := repo.Search(ctx, c)
					repo.planCosts, repo.countLimit, repo.relevanceScored = nil, domain.SearchCountLimit, relevanceScored
					if err != nil {
						t.Fatal(err)
					}
					if want <= countLimit && (page.Total != want || !page.TotalExact) ||
						want > countLimit && (page.Total != countLimit || page.TotalExact) {
						t.Fatalf("bound %d, %s (merge %v): total %d exact %v, want %d", countLimit, tc.name, costs.Count == 1, page.Total, page.TotalExact, want)
					}
				}
			}
		}
	})
}
