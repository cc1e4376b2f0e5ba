package r1

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// The shapes a search takes at scale (search.go) reached at a small scale by lowering the bounds:
// every shape pages in the same total order by cursor, by offset and in one page.

// walkAll returns a search's ids by cursor, by offset and in one page of 100.
func walkAll(t *testing.T, repo *TorrentRepository, c func(limit int) domain.SearchCriteria) (byCursor, byOffset, onePage []int64) {
	t.Helper()
	ctx := context.Background()
	all, err := repo.Search(ctx, c(100))
	if err != nil {
		t.Fatal(err)
	}
	onePage = ids(all.Items)
	var cursor *domain.Position
	for pages := 0; ; pages++ {
		if pages > 30 {
			t.Fatal("the cursor never ends")
		}
		crit := c(4)
		crit.Cursor = cursor
		page, err := repo.Search(ctx, crit)
		if err != nil {
			t.Fatal(err)
		}
		byCursor = append(byCursor, ids(page.Items)...)
		if page.Next == nil {
			break
		}
		cursor = page.Next
	}
	for offset := 0; offset < len(onePage)+5; offset += 5 {
		crit := c(5)
		crit.Offset = offset
		page, err := repo.Search(ctx, crit)
		if err != nil {
			t.Fatal(err)
		}
		byOffset = append(byOffset, ids(page.Items)...)
	}
	return byCursor, byOffset, onePage
}

// Relevance with more matches than it scores: the torrents with every word in their name, then the
// others, newest first within each (oldest first ascending), with and without a filter, whether the
// matches are few enough to count or not.
func TestSearchRelevanceBeyondTheScored(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		repo.relevanceScored = 7
		for _, countLimit := range []int{10, 1000} {
			repo.countLimit = countLimit
			bigFiles := int64(400)
			// No filter, a category, and filters that keep almost none (3 torrents: keptTierPage).
			for _, filter := range []struct {
				name  string
				apply func(*domain.SearchCriteria)
				keep  func(domain.Torrent) bool
			}{
				{"none", func(*domain.SearchCriteria) {}, func(domain.Torrent) bool { return true }},
				{"tv", func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} },
					func(tor domain.Torrent) bool { return tor.Category.Slug == "tv" }},
				{"tv and 400 bytes", func(c *domain.SearchCriteria) { c.Categories, c.MinSize = []string{"tv"}, &bigFiles },
					func(tor domain.Torrent) bool { return tor.Category.Slug == "tv" && tor.Files[0].Size >= bigFiles }},
			} {
				for _, order := range []domain.SortOrder{domain.Descending, domain.Ascending} {
					name := fmt.Sprintf("count bound %d, filter %s, %s", countLimit, filter.name, order)
					c := func(limit int) domain.SearchCriteria {
						return criteria(t, "common", limit, func(c *domain.SearchCriteria) {
							c.Sort, c.Order = domain.SortRelevance, order
							filter.apply(c)
						})
					}
					byCursor, byOffset, onePage := walkAll(t, repo, c)
					if !slices.Equal(byCursor, onePage) || !slices.Equal(byOffset, onePage) {
						t.Fatalf("%s:\n  one page %v\n  cursor   %v\n  offset   %v", name, onePage, byCursor, byOffset)
					}
					// Every torrent matches "common", in its name or only in its file path.
					var inName, other []int64
					for _, tor := range torrents {
						if !filter.keep(tor) {
							continue
						}
						if strings.Contains(strings.ToLower(tor.Name), "common") {
							inName = append(inName, tor.ID)
						} else {
							other = append(other, tor.ID)
						}
					}
					want := append(slices.Clone(other), inName...) // ascending: the lower tier first
					slices.Sort(want[:len(other)])
					slices.Sort(want[len(other):])
					if order == domain.Descending {
						slices.Reverse(want)
					}
					if !slices.Equal(onePage, want) {
						t.Fatalf("%s:\n got %v\nwant %v (name hits %v)", name, onePage, want, inName)
					}
					page, err := repo.Search(context.Background(), c(5))
					if err != nil {
						t.Fatal(err)
					}
					if wantTotal := min(len(want), countLimit); page.Total != wantTotal || page.TotalExact != (len(want) <= countLimit) {
						t.Fatalf("%s: total %d exact %v, want %d of %d", name, page.Total, page.TotalExact, wantTotal, len(want))
					}
				}
			}
		}
	})
}

// Sorted by a column with many matches: the index walk that checks each torrent against the
// full-text index, and the walk over every match, give the same pages as the reference order.
func TestSearchManyMatchesByColumnBothWays(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		repo.countLimit = 10
		for _, text := range []string{"com", "common"} {
			// Seeders has long ties (the cursor's tie is walked apart), date is numeric, name text.
			for _, sort := range []domain.SortField{domain.SortDate, domain.SortSeeders, domain.SortName} {
				for _, order := range []domain.SortOrder{domain.Ascending, domain.Descending} {
					want := expectedOrder(torrents, sort, order)
					for _, build := range []struct {
						name string
						page func(*searchQuery) Statement
					}{
						{"checked", (*searchQuery).checkedPage},
						{"match set", func(q *searchQuery) Statement { return q.matchSetPage(probed{n: len(torrents), top: 1}) }},
						{"walked", func(q *searchQuery) Statement { return q.walkedPage(probed{n: len(torrents), top: 1}) }},
					} {
						name := fmt.Sprintf("%q %s %s %s", text, sort, order, build.name)
						var got []int64
						var cursor *domain.Position
						for pages := 0; pages < 20; pages++ {
							c := criteria(t, text, 7, func(c *domain.SearchCriteria) { c.Sort, c.Order, c.Cursor = sort, order, cursor })
							q := newSearchQuery(c, ftsQuery(c.Terms), repo.countLimit)
							page, err := repo.page(ctx, q, build.page(q))
							if err != nil {
								t.Fatalf("%s: %v", name, err)
							}
							got = append(got, ids(page.Items)...)
							if page.Next == nil {
								break
							}
							cursor = page.Next
						}
						if !slices.Equal(got, want) {
							t.Fatalf("%s:\n got %v\nwant %v", name, got, want)
						}
					}
					// And the search itself, whichever it chooses.
					byCursor, byOffset, onePage := walkAll(t, repo, func(limit int) domain.SearchCriteria {
						return criteria(t, text, limit, func(c *domain.SearchCriteria) { c.Sort, c.Order = sort, order })
					})
					if !slices.Equal(onePage, want) || !slices.Equal(byCursor, want) || !slices.Equal(byOffset, want) {
						t.Fatalf("%q %s %s: one page %v, cursor %v, offset %v, want %v", text, sort, order, onePage, byCursor, byOffset, want)
					}
				}
			}
		}
	})
}

// Filtered totals above the bound: exact when the matches that pass are under the bound, the bound
// flagged as an estimate when they are over it, whichever the sample said.
func TestSearchFilteredTotalsWithManyMatches(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		i64 := func(v int64) *int64 { return &v }
		for _, countLimit := range []int{5, 10, 20} {
			repo.countLimit = countLimit
			for _, f := range []func(*domain.SearchCriteria){
				func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} },
				func(c *domain.SearchCriteria) { c.MinSeeders = i64(3) },
				func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize = i64(100), i64(200) },
			} {
				c := criteria(t, "common", 5, f)
				page, err := repo.Search(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				for _, tor := range torrents {
					if (c.Categories == nil || tor.Category.Slug == "tv") && (c.MinSeeders == nil || tor.Seeders >= 3) &&
						(c.MinSize == nil || tor.Size >= 100 && tor.Size <= 200) {
						want++
					}
				}
				if want <= countLimit && (page.Total != want || !page.TotalExact) ||
					want > countLimit && (page.Total != countLimit || page.TotalExact) {
					t.Fatalf("bound %d, %+v: total %d exact %v, want %d", countLimit, c, page.Total, page.TotalExact, want)
				}
			}
		}
	})
}

// A filtered total under the bound is exact when the bound is under the probe's sample
// (countSampleSize): the sample took in more matches than the probe counted, and the share it gave
// said twice the bound passed (the total was the bound, flagged an estimate: 10 of 9).
func TestSearchFilteredTotalUnderASmallBound(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		before := baseTime.Add(11 * time.Hour)
		want := 0
		for _, tor := range torrents {
			if tor.Category.Slug == "tv" && tor.UploadedAt.Before(before) {
				want++
			}
		}
		repo.countLimit, repo.relevanceScored = 10, 2
		// More categories than the match carries, so the filter is tested on each match.
		c := criteria(t, "common", 5, func(c *domain.SearchCriteria) {
			c.Categories, c.Before = []string{"tv", "music", "games", "books"}, before
		})
		page, err := repo.Search(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if want >= 10 || page.Total != want || !page.TotalExact {
			t.Fatalf("total %d exact %v, want %d exact (under the bound of 10)", page.Total, page.TotalExact, want)
		}
	})
}

// A long last word written out as the words it begins (as a common one is) finds what the prefix
// finds, in the same order, in every shape of search.
func TestSearchWrittenOutPrefixFindsTheSame(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		pagingFixture(t, repo)
		upsert(t, repo,
			newTorrent(t, 100, func(tor *domain.Torrent) { tor.Name = "Commonwealth Games" }),
			newTorrent(t, 101, func(tor *domain.Torrent) { tor.Name = "Commons Licence" }),
			newTorrent(t, 102, func(tor *domain.Torrent) { tor.Name = "Uncommon Valor" }),
		)
		i64 := func(v int64) *int64 { return &v }
		for _, text := range []string{"commo", "alpha commo", "commonw", "commonx"} {
			for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortSeeders} {
				for _, countLimit := range []int{5, 1000} {
					for _, filter := range []func(*domain.SearchCriteria){nil, func(c *domain.SearchCriteria) { c.MinSeeders = i64(1) }} {
						name := fmt.Sprintf("%q %s bound %d filtered %v", text, sort, countLimit, filter != nil)
						run := func(expand bool) ([]int64, domain.SearchPage) {
							repo.countLimit, repo.expandLast, repo.relevanceScored = countLimit, expand, 7
							c := func(limit int) domain.SearchCriteria {
								return criteria(t, text, limit, func(c *domain.SearchCriteria) {
									c.Sort = sort
									if filter != nil {
										filter(c)
									}
								})
							}
							all, err := repo.Search(ctx, c(100))
							if err != nil {
								t.Fatal(err)
							}
							var byCursor []int64
							crit := c(10)
							for range 10 {
								page, err := repo.Search(ctx, crit)
								if err != nil {
									t.Fatal(err)
								}
								byCursor = append(byCursor, ids(page.Items)...)
								if page.Next == nil {
									break
								}
								crit.Cursor = page.Next
							}
							if !slices.Equal(byCursor, ids(all.Items)) {
								t.Fatalf("%s (written out %v): cursor %v, one page %v", name, expand, byCursor, ids(all.Items))
							}
							first, err := repo.Search(ctx, c(3))
							if err != nil {
								t.Fatal(err)
							}
							return ids(all.Items), first
						}
						prefix, prefixPage := run(false)
						written, writtenPage := run(true)
						if !slices.Equal(prefix, written) || prefixPage.Total != writtenPage.Total || prefixPage.TotalExact != writtenPage.TotalExact {
							t.Fatalf("%s:\n prefix  %v (total %d)\n written %v (total %d)", name, prefix, prefixPage.Total, written, writtenPage.Total)
						}
					}
				}
			}
		}
	})
}

// Through a narrow filter (the torrents passing it walked on its index, each checked against the
// text): the same pages as the reference order, by relevance (the name tiers) and by columns, both
// ways, with the exact total; and the planner takes it when its costs say so.
func TestSearchThroughANarrowFilter(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		repo.relevanceScored = 5
		costs := repo.db.costs()
		costs.CheckBase, costs.CheckSegment, costs.Lookup = 0, 0.001, 0.001 // a check costs nothing: the narrow filter always pays
		repo.planCosts = &costs
		i64 := func(v int64) *int64 { return &v }
		for _, filter := range []struct {
			name  string
			apply func(*domain.SearchCriteria)
			keep  func(domain.Torrent) bool
		}{
			{"seeders", func(c *domain.SearchCriteria) { c.MinSeeders = i64(3) }, func(tor domain.Torrent) bool { return tor.Seeders >= 3 }},
			{"dates", func(c *domain.SearchCriteria) {
				c.After, c.Before = baseTime.Add(2*time.Hour), baseTime.Add(5*time.Hour)
			},
				func(tor domain.Torrent) bool {
					return !tor.UploadedAt.Before(baseTime.Add(2*time.Hour)) && tor.UploadedAt.Before(baseTime.Add(5*time.Hour))
				}},
			{"category and size", func(c *domain.SearchCriteria) { c.Categories, c.MinSize = []string{"tv"}, i64(200) },
				func(tor domain.Torrent) bool { return tor.Category.Slug == "tv" && tor.Size >= 200 }},
		} {
			var kept []domain.Torrent
			for _, tor := range torrents {
				if filter.keep(tor) {
					kept = append(kept, tor)
				}
			}
			for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortSeeders, domain.SortName, domain.SortDate} {
				for _, order := range []domain.SortOrder{domain.Ascending, domain.Descending} {
					name := fmt.Sprintf("%s, by %s %s", filter.name, sort, order)
					c := func(limit int) domain.SearchCriteria {
						return criteria(t, "comm", limit, func(c *domain.SearchCriteria) { // within the prefix index: a cheap check
							c.Sort, c.Order = sort, order
							filter.apply(c)
						})
					}
					q := newSearchQuery(c(5), ftsQuery(c(5).Terms), repo.countLimit)
					q.costs = costs
					p, err := repo.probe(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if plan := repo.plan(q, p); plan != narrowFilter {
						t.Fatalf("%s: plan %d, want the narrow filter (probe %+v)", name, plan, p)
					}
					pagesFollowTheirOrder(t, repo, c, name, "common", kept, sort, order)
				}
			}
		}
	})
}

// storeAgedCatalog stores 10,550 torrents in the order they arrived: 5,000 old matches of "rarity"
// ("rarity old <i>"), 4,050 of "other", then the 1,500 newest matches of "rarity" ("rarity new
// <i>"); age gives each its fields for its place (old: one of the first 5,000).
func storeAgedCatalog(t *testing.T, repo *TorrentRepository, age func(tor *domain.Torrent, i int, old bool)) {
	t.Helper()
	torrents := numberedTorrents(t, 10_550, func(i int, tor *domain.Torrent) {
		tor.Files = nil
		switch {
		case i < 5000:
			tor.Name = fmt.Sprintf("rarity old %d", i)
		case i < 9050:
			tor.Name = fmt.Sprintf("other %d", i)
		default:
			tor.Name = fmt.Sprintf("rarity new %d", i)
		}
		age(tor, i, i < 5000)
	})
	for from := 0; from < len(torrents); from += 2500 {
		upsert(t, repo, torrents[from:min(from+2500, len(torrents))]...)
	}
}

// A date filter is never estimated from the newest matches: ids follow the order torrents arrive
// in, which follows their dates, so the newest matches pass "after" far more often than the rest
// do. Here 5,550 torrents pass the date (more than a narrow filter walks), and of the word's 6,500
// matches the 1,500 newest pass: the sample of the 1,000 newest said about 10,000 pass, over twice
// the bound of 2,000, and the total was the bound flagged as an estimate instead of 1,500 exact.
func TestSearchDateTotalIsCountedUnderTheBound(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine of queries, so nothing of ours for the race detector to watch (SQLite's memory is not Go's), and 9 s of the race run in both modes; make test runs it without the detector")
	}
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		storeAgedCatalog(t, repo, func(tor *domain.Torrent, i int, old bool) {
			tor.UploadedAt = baseTime.Add(time.Duration(i) * time.Minute)
			if old {
				tor.UploadedAt = baseTime.Add(-1000 * time.Hour)
			}
		})
		repo.countLimit, repo.relevanceScored = 2000, 2
		for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortSeeders} {
			page, err := repo.Search(ctx, criteria(t, "rarity", 5, func(c *domain.SearchCriteria) { c.After, c.Sort = baseTime, sort }))
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 1500 || !page.TotalExact {
				t.Fatalf("by %s: total %d exact %v, want 1500 exact (under the bound of 2000)", sort, page.Total, page.TotalExact)
			}
		}
	})
}

// Seeders and the release year follow age as dates do: the newest torrents are seeded and this
// year's, the older ones dead and older releases. The probe's sample of the newest matches then
// says far more pass than do, and a total under the bound must still be counted, not read from the
// sample: of the word's 6,500 matches the 1,500 newest pass (and 5,550 torrents in all, more than
// a narrow filter walks); the sample said every match passes, over twice the bound of 2,000, and
// the total was the bound flagged as an estimate instead of 1,500 exact (review-s6 finding 1).
func TestSearchAgedFilterTotalIsCountedUnderTheBound(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine of queries, so nothing of ours for the race detector to watch (SQLite's memory is not Go's), and 11 s of the race run in both modes; make test runs it without the detector")
	}
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		storeAgedCatalog(t, repo, func(tor *domain.Torrent, _ int, old bool) {
			tags, seeders := " 2024 1080p", int64(12)
			if old {
				tags, seeders = " 2010 1080p", 0
			}
			tor.Name, tor.Seeders = tor.Name+tags, seeders
			tor.Release = domain.ParseRelease(tor.Name)
		})
		repo.countLimit, repo.relevanceScored = 2000, 2
		for name, apply := range map[string]func(c *domain.SearchCriteria){
			"minSeeders=1":  func(c *domain.SearchCriteria) { c.MinSeeders = ptr(int64(1)) },
			"minSeeders=10": func(c *domain.SearchCriteria) { c.MinSeeders = ptr(int64(10)) },
			"year=2024":     func(c *domain.SearchCriteria) { c.Year = ptr(2024) },
		} {
			for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortSeeders, domain.SortDate, domain.SortSize} {
				page, err := repo.Search(ctx, criteria(t, "rarity", 5, func(c *domain.SearchCriteria) { apply(c); c.Sort = sort }))
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != 1500 || !page.TotalExact {
					t.Errorf("%s by %s: total %d exact %v, want 1500 exact (under the bound of 2000)", name, sort, page.Total, page.TotalExact)
				}
			}
		}
		// Where the sample is right ("other": 4,050 matches, every one passing, over twice the
		// bound), the count walks the matches newest first, the ones the sample measured, with no
		// sort, and stops one past the bound.
		for name, apply := range map[string]func(c *domain.SearchCriteria){
			"minSeeders=10": func(c *domain.SearchCriteria) { c.MinSeeders = ptr(int64(10)) },
			"year=2024":     func(c *domain.SearchCriteria) { c.Year = ptr(2024) },
		} {
			c := criteria(t, "other", 5, apply)
			page, err := repo.Search(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 2000 || page.TotalExact {
				t.Errorf("other, %s: total %d exact %v, want the bound of 2000, not exact", name, page.Total, page.TotalExact)
			}
			s := seekCountStatement(t, ctx, repo, c, 2000)
			if !strings.Contains(s.SQL, "ORDER BY f.rowid DESC") {
				t.Errorf("other, %s: the count walks oldest first\n%s", name, s.SQL)
			}
			expectNoSort(t, ctx, db, s, "other, "+name)
		}
	})
}

// An "after" filter passes the newest torrents, and a filtered total is always counted (countNeed):
// the count walks the matches newest first, where the passing ones are, instead of stepping over
// every older match before them (a word in 300,000 names with "after" keeping its newest third
// walked 200,000 failing matches to count 10,001). FTS5 walks backwards itself: the plan holds no
// sort, which would read every match. Other date filters keep FTS5's order.
func TestAnAfterFilterCountsNewestFirst(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		pagingFixture(t, repo)
		for _, tc := range []struct {
			name   string
			apply  func(c *domain.SearchCriteria)
			newest bool
		}{
			// An hour after the first upload: 42 of the 45 pass (not every one: then the probe
			// samples nothing).
			{"after", func(c *domain.SearchCriteria) { c.After = baseTime.Add(time.Hour) }, true},
			{"after, by seeders", func(c *domain.SearchCriteria) { c.After, c.Sort = baseTime.Add(time.Hour), domain.SortSeeders }, true},
			{"before", func(c *domain.SearchCriteria) { c.Before = baseTime.Add(time.Hour) }, false},
			{"between", func(c *domain.SearchCriteria) { c.After, c.Before = baseTime, baseTime.Add(time.Hour) }, false},
			{"min seeders", func(c *domain.SearchCriteria) { c.MinSeeders = ptr(int64(3)) }, false},
		} {
			// With a bound of 10, the sample says the bound may be reached (42 of the 45 torrents
			// pass "after"): newest first. With 1,000, it says fewer than half the
			// bound pass, and the count, which walks every match, takes FTS5's own order.
			for _, bound := range []int{10, 1000} {
				c := criteria(t, "common", 5, tc.apply)
				s := seekCountStatement(t, ctx, repo, c, bound)
				if got := strings.Contains(s.SQL, "ORDER BY f.rowid DESC"); got != (tc.newest && bound == 10) {
					t.Fatalf("%s, bound %d: the count walks newest first: %v, want %v\n%s", tc.name, bound, got, tc.newest && bound == 10, s.SQL)
				}
				expectNoSort(t, ctx, db, s, tc.name)
			}
		}
	})
}

// pagesFollowTheirOrder checks a strategy's every page, by cursor, by offset and as one page,
// and its exact total, against the order the kept torrents take: by relevance, the torrents with
// the word in their name after the others (ascending), each tier oldest first.
func pagesFollowTheirOrder(t *testing.T, repo *TorrentRepository, c func(limit int) domain.SearchCriteria, name, word string, kept []domain.Torrent, sort domain.SortField, order domain.SortOrder) {
	t.Helper()
	want := expectedOrder(kept, sort, order)
	if sort == domain.SortRelevance {
		var inName, other []int64
		for _, tor := range kept {
			if strings.Contains(strings.ToLower(tor.Name), word) {
				inName = append(inName, tor.ID)
			} else {
				other = append(other, tor.ID)
			}
		}
		want = append(other, inName...) // ascending: the lower tier first, oldest first
		if order == domain.Descending {
			slices.Reverse(want)
		}
	}
	byCursor, byOffset, onePage := walkAll(t, repo, c)
	if !slices.Equal(onePage, want) || !slices.Equal(byCursor, want) || !slices.Equal(byOffset, want) {
		t.Fatalf("%s:\n one page %v\n cursor   %v\n offset   %v\n want     %v", name, onePage, byCursor, byOffset, want)
	}
	page, err := repo.Search(context.Background(), c(5))
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != len(want) || !page.TotalExact {
		t.Fatalf("%s: total %d exact %v, want %d", name, page.Total, page.TotalExact, len(want))
	}
}
