package r1

import (
	"context"
	"fmt"
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
func mergeForced(c Costs) Costs {
	c.Count, c.SortID, c.Merge, c.Bucket = 1, 1e-9, 0, 1000 // the bucketed count never pays
	return c
}
func seekForced(c Costs) Costs { c.Count = 0; return c }

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
	// "city" with a size range passing a third of the catalog, at 1,000,000 torrents: about 44,000
	// matches, 233 of the 1,000 newest passing; the merge would pay up to 80,000 passing, and the
	// sample says 233,000 pass: no merge, and no counting of them first.
	city := probed{n: 1001, complete: false, low: 977_409, top: 1_000_000, sampled: 233}
	sized := newSearchQuery(criteria(t, "city", 50, func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize = ptr(int64(1<<30)), ptr(int64(8<<30)) }), `"city"`, 10_000)
	if limit := localCosts.mergeCap(sized, city); limit > 0 {
		t.Errorf("city with a size range passing a third of the catalog: merges up to %d torrents passing", limit)
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
					_, _, _, seeded := q.seededSide()
					if merged != ((tc.index != "" || seeded) && costs.Count == 1) {
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

// When the merge pages a search: one filter passing few torrents, none carried, the index holding
// it, and the merge cheaper than the walks and the checks.
func TestMergedPagePays(t *testing.T) {
	minSeeders := func(v int64) func(*domain.SearchCriteria) {
		return func(c *domain.SearchCriteria) { c.MinSeeders = ptr(v) }
	}
	// "green" with minSeeders=5000 at 1,000,000 torrents (tags corpus): 84 torrents pass, the word
	// begins more than maxExpansion words, so a check merges all their lists.
	green := probed{n: 1001, low: 968_696, top: 1_000_000, sampled: 1, passing: []int{84}}
	q := newSearchQuery(criteria(t, "green", 50, minSeeders(5000)), `"green" *`, 10_000)
	q.cheapCheck = false
	if !localCosts.mergedPays(q, green) {
		t.Error("green with minSeeders=5000: the merge does not pay")
	}
	// A cheap check of each of the 84 costs less than merging 32,000 matches.
	q.cheapCheck = true
	if localCosts.mergedPays(q, green) {
		t.Error("a cheap check of 84 torrents: the merge pays")
	}
	q.cheapCheck = false
	// Passing more torrents than the probe counts: not narrow, not sorted for a page.
	if localCosts.mergedPays(q, probed{n: 1001, low: 968_696, top: 1_000_000, sampled: 58, passing: []int{narrowLimit + 1}}) {
		t.Error("minSeeders passing more than narrowLimit: the merge pays")
	}
	// Two filters: the probe's count is one filter's, not what the merge sorts.
	two := newSearchQuery(criteria(t, "green", 50, minSeeders(5000), func(c *domain.SearchCriteria) { c.MinSize = ptr(int64(1)) }), `"green" *`, 10_000)
	two.cheapCheck = false
	if localCosts.mergedPays(two, probed{n: 1001, low: 968_696, top: 1_000_000, sampled: 1, passing: []int{1000, 84}}) {
		t.Error("two filters: the merge pays")
	}
	// A carried category beside it: the same.
	carried := newSearchQuery(criteria(t, "green", 50, minSeeders(5000), func(c *domain.SearchCriteria) { c.Categories = []string{"books"} }), `"green" *`, 10_000)
	carried.cheapCheck = false
	if localCosts.mergedPays(carried, green) {
		t.Error("a carried category: the merge pays")
	}
}

// Through the merge (the matches merged with the torrents passing the filter): the same pages as
// the reference order, by relevance (the name tiers) and by columns, both ways, by cursor, by offset
// and in one page, with the exact total; and the planner takes it when its costs say so.
func TestSearchThroughTheMerge(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		repo.relevanceScored = 5
		costs := repo.db.costs()
		costs.Count, costs.Merge, costs.SortID = 1, 0, 0 // a merge costs nothing: it always pays
		repo.planCosts = &costs
		i64 := func(v int64) *int64 { return &v }
		from, to := baseTime.Add(2*time.Hour), baseTime.Add(5*time.Hour)
		for _, filter := range []struct {
			name  string
			apply func(*domain.SearchCriteria)
			keep  func(domain.Torrent) bool
		}{
			{"seeders", func(c *domain.SearchCriteria) { c.MinSeeders = i64(3) }, func(tor domain.Torrent) bool { return tor.Seeders >= 3 }},
			{"dates", func(c *domain.SearchCriteria) { c.After, c.Before = from, to },
				func(tor domain.Torrent) bool { return !tor.UploadedAt.Before(from) && tor.UploadedAt.Before(to) }},
			{"categories not carried", func(c *domain.SearchCriteria) { c.Categories = []string{"tv", "music", "games", "books"} },
				func(tor domain.Torrent) bool { return tor.Category.Slug == "tv" }},
		} {
			var kept []domain.Torrent
			for _, tor := range torrents {
				if filter.keep(tor) {
					kept = append(kept, tor)
				}
			}
			for _, text := range []string{"comm", "common"} { // within the prefix index, and written out
				for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortSeeders, domain.SortName, domain.SortDate} {
					for _, order := range []domain.SortOrder{domain.Ascending, domain.Descending} {
						name := fmt.Sprintf("%s, %q by %s %s", filter.name, text, sort, order)
						c := func(limit int) domain.SearchCriteria {
							return criteria(t, text, limit, func(c *domain.SearchCriteria) {
								c.Sort, c.Order = sort, order
								filter.apply(c)
							})
						}
						q := newSearchQuery(c(5), ftsQuery(c(5).Terms), repo.countLimit)
						q.costs = costs
						if err := repo.expandLastTerm(ctx, q); err != nil {
							t.Fatal(err)
						}
						p, err := repo.probe(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						if plan := repo.plan(q, p); plan != mergedMatches {
							t.Fatalf("%s: plan %d, want the merge (probe %+v)", name, plan, p)
						}
						pagesFollowTheirOrder(t, repo, c, name, "common", kept, sort, order)
					}
				}
			}
		}
	})
}

// A search by name that reaches its matches by id takes their key from migration 0019b's
// (id, name_key), never from the table's rows (a page each): without filters through that index
// alone, with filters beside torrents_facets. The rows read are the page's only.
func TestSearchByNameReadsNoRowToOrder(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		pagingFixture(t, repo)
		for _, filtered := range []bool{false, true} {
			c := criteria(t, "common", 5, func(c *domain.SearchCriteria) {
				c.Sort = domain.SortName
				if filtered {
					c.MinSeeders = ptr(int64(1))
				}
			})
			q := newSearchQuery(c, ftsQuery(c.Terms), repo.countLimit)
			p, err := repo.probe(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			strategies := []strategy{fewMatches, everyMatchWalked}
			if filtered {
				strategies = append(strategies, mergedMatches) // the merge needs a filter
			}
			for _, s := range strategies {
				plan := queryPlan(t, ctx, db, q.pageStatement(s, p))
				// The page's rows are read after the hits are chosen (SCAN h): before that, no row.
				hits := strings.Join(plan, "\n")
				if i := strings.Index(hits, "SCAN h"); i >= 0 {
					hits = hits[:i]
				}
				if !strings.Contains(hits, "COVERING INDEX torrents_id_name_key") || strings.Contains(hits, "INTEGER PRIMARY KEY") {
					t.Errorf("filtered %v, strategy %d: the hits' plan reads rows or not the name index:\n%s", filtered, s, strings.Join(plan, "\n"))
				}
			}
		}
	})
}
