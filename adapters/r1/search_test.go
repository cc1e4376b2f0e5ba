package r1

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// pagingFixture stores torrents with many ties in every sort key, so only the id tiebreak makes the
// order total. Every name holds "common"; some hold it twice, some only in a file path.
func pagingFixture(t *testing.T, repo *TorrentRepository) []domain.Torrent {
	t.Helper()
	names := []string{"alpha common", "Alpha Common", "ALPHA COMMON", "beta common common", "Beta", "gamma common",
		"_delta common", "Zeta common", "Été common", "été common", "Ärger", "zèbre"}
	torrents := numberedTorrents(t, 45, func(i int, tor *domain.Torrent) {
		tor.Name = names[i%len(names)]
		tor.Seeders = int64(i % 4)
		tor.Leechers = int64(i % 3)
		tor.UploadedAt = baseTime.Add(time.Duration(i/3) * time.Hour)
		tor.Files = []domain.File{{Path: "common/file.bin", Size: int64(100 * (i % 5))}}
		tor.Size = 0
		if i%4 == 0 {
			tor.Category = domain.CategoryRef{Slug: "tv", Name: "TV"}
		}
	})
	out := upsert(t, repo, torrents...)
	for i := range torrents {
		torrents[i].ID = out[i].ID
	}
	return torrents
}

func expectedOrder(torrents []domain.Torrent, sort domain.SortField, order domain.SortOrder) []int64 {
	sorted := slices.Clone(torrents)
	slices.SortFunc(sorted, func(a, b domain.Torrent) int {
		var c int
		switch sort {
		case domain.SortDate:
			c = a.UploadedAt.Compare(b.UploadedAt)
		case domain.SortSeeders:
			c = cmp.Compare(a.Seeders, b.Seeders)
		case domain.SortLeechers:
			c = cmp.Compare(a.Leechers, b.Leechers)
		case domain.SortSize:
			c = cmp.Compare(a.Size, b.Size)
		case domain.SortName:
			c = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if order == domain.Descending {
			c = -c
		}
		return c
	})
	ids := make([]int64, len(sorted))
	for i, t := range sorted {
		ids[i] = t.ID
	}
	return ids
}

func ids(items []domain.TorrentSummary) []int64 {
	out := make([]int64, len(items))
	for i, s := range items {
		out[i] = s.ID
	}
	return out
}

// Every sort, both orders, with and without text: walking the cursor, walking page numbers and one
// big page give the same total order, with no repeat and no gap.
func TestSearchPagingIsTotal(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		sorts := []domain.SortField{domain.SortRelevance, domain.SortDate, domain.SortSeeders, domain.SortLeechers, domain.SortSize, domain.SortName}
		for _, text := range []string{"", "common"} {
			for _, sort := range sorts {
				for _, order := range []domain.SortOrder{domain.Ascending, domain.Descending} {
					if sort == domain.SortRelevance && text == "" {
						continue
					}
					name := fmt.Sprintf("%q/%s/%s", text, sort, order)
					base := func(c *domain.SearchCriteria) { c.Sort, c.Order = sort, order }
					all, err := repo.Search(ctx, criteria(t, text, 100, base))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					want := ids(all.Items)
					if sort != domain.SortRelevance {
						if expected := expectedOrder(torrents, sort, order); !slices.Equal(want, expected) {
							t.Fatalf("%s: order\n got %v\nwant %v", name, want, expected)
						}
					}
					if len(want) != len(torrents) || all.Total != len(torrents) || !all.TotalExact || all.Next != nil {
						t.Fatalf("%s: %d items, total %d (exact %v), next %v", name, len(want), all.Total, all.TotalExact, all.Next)
					}

					var byCursor, byOffset []int64
					var cursor *domain.Position
					for pages := 0; ; pages++ {
						if pages > 6 {
							t.Fatalf("%s: the cursor never ends", name)
						}
						page, err := repo.Search(ctx, criteria(t, text, 9, base, func(c *domain.SearchCriteria) { c.Cursor = cursor }))
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if page.Total != len(torrents) {
							t.Fatalf("%s: total %d on page %d", name, page.Total, pages)
						}
						byCursor = append(byCursor, ids(page.Items)...)
						if page.Next == nil {
							break
						}
						if page.Next.ID != page.Items[len(page.Items)-1].ID {
							t.Fatalf("%s: Next %+v is not the last item", name, page.Next)
						}
						cursor = page.Next
					}
					for offset := 0; offset < len(torrents); offset += 9 {
						page, err := repo.Search(ctx, criteria(t, text, 9, base, func(c *domain.SearchCriteria) { c.Offset = offset }))
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if (page.Next == nil) != (offset+9 >= len(torrents)) {
							t.Fatalf("%s: offset %d: next %v", name, offset, page.Next)
						}
						byOffset = append(byOffset, ids(page.Items)...)
					}
					if !slices.Equal(byCursor, want) || !slices.Equal(byOffset, want) {
						t.Fatalf("%s:\n  one page %v\n  cursor   %v\n  offset   %v", name, want, byCursor, byOffset)
					}
				}
			}
		}
	})
}

func TestSearchFilters(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		i64 := func(v int64) *int64 { return &v }
		for _, tc := range []struct {
			name   string
			text   string
			mutate func(*domain.SearchCriteria)
			keep   func(domain.Torrent) bool
		}{
			{"category", "", func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} },
				func(t domain.Torrent) bool { return t.Category.Slug == "tv" }},
			{"categories", "", func(c *domain.SearchCriteria) { c.Categories = []string{"tv", "movies"} },
				func(domain.Torrent) bool { return true }},
			{"unknown category", "", func(c *domain.SearchCriteria) { c.Categories = []string{"nope"} },
				func(domain.Torrent) bool { return false }},
			{"size range", "", func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize = i64(100), i64(300) },
				func(t domain.Torrent) bool { return t.Size >= 100 && t.Size <= 300 }},
			{"min seeders", "", func(c *domain.SearchCriteria) { c.MinSeeders = i64(2) },
				func(t domain.Torrent) bool { return t.Seeders >= 2 }},
			{"after before", "", func(c *domain.SearchCriteria) {
				c.After, c.Before = baseTime.Add(3*time.Hour), baseTime.Add(6*time.Hour)
			}, func(t domain.Torrent) bool {
				return !t.UploadedAt.Before(baseTime.Add(3*time.Hour)) && t.UploadedAt.Before(baseTime.Add(6*time.Hour))
			}},
			{"sub-second bounds", "", func(c *domain.SearchCriteria) {
				c.After, c.Before = baseTime.Add(3*time.Hour-time.Millisecond), baseTime.Add(6*time.Hour-time.Millisecond)
			}, func(t domain.Torrent) bool {
				return !t.UploadedAt.Before(baseTime.Add(3*time.Hour)) && t.UploadedAt.Before(baseTime.Add(6*time.Hour))
			}},
			{"text and filters", "alpha", func(c *domain.SearchCriteria) {
				c.Categories, c.MinSeeders = []string{"tv"}, i64(0)
			}, func(t domain.Torrent) bool {
				return t.Category.Slug == "tv" && strings.Contains(strings.ToLower(t.Name), "alpha")
			}},
		} {
			page, err := repo.Search(context.Background(), criteria(t, tc.text, 100, tc.mutate))
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var want []int64
			for _, tor := range torrents {
				if tc.keep(tor) {
					want = append(want, tor.ID)
				}
			}
			got := ids(page.Items)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || page.Total != len(want) || !page.TotalExact {
				t.Fatalf("%s: got %v (total %d), want %v", tc.name, got, page.Total, want)
			}
		}
	})
}

func TestSearchText(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		out := upsert(t, repo,
			newTorrent(t, 1, func(tor *domain.Torrent) { tor.Name = "Nebula Documentary" }),
			newTorrent(t, 2, func(tor *domain.Torrent) {
				tor.Name = "Space Pictures"
				tor.Files = []domain.File{{Path: "extras/nebula.txt", Size: 1}}
			}),
			newTorrent(t, 3, func(tor *domain.Torrent) { tor.Name = "Café del Mar" }),
			newTorrent(t, 4, func(tor *domain.Torrent) { tor.Name = "Straße der Nebulae" }),
		)
		page, err := repo.Search(ctx, criteria(t, "nebula", 10))
		if err != nil {
			t.Fatal(err)
		}
		// Prefix on the last term: "nebula" also finds "Nebulae"; a name hit outranks a path hit.
		if got := ids(page.Items); len(got) != 3 || got[2] != out[1].ID {
			t.Fatalf("nebula: %v, want the path-only hit %d last", got, out[1].ID)
		}
		for i := 1; i < len(page.Items); i++ {
			if page.Items[i].Name == "" {
				t.Fatal("empty summary")
			}
		}
		for text, want := range map[string][]int64{
			"cafe":             {out[2].ID},
			"CAFÉ DEL":         {out[2].ID},
			"strasse":          nil, // unicode61 folds diacritics, not ß
			"straße nebul":     {out[3].ID},
			"neb doc":          nil, // only the last term is a prefix
			"documentary neb":  {out[0].ID},
			"pictures extras":  {out[1].ID},
			"nebula pictures":  {out[1].ID},
			"missingword":      nil,
			"   ":              {out[3].ID, out[2].ID, out[1].ID, out[0].ID}, // no words: the catalog, newest first
			"!!! ??? ***":      {},                                           // words nobody can match: nothing
			`"nebula" OR cafe`: nil,                                          // OR is a word, not an operator
		} {
			page, err := repo.Search(ctx, criteria(t, text, 10))
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			got := ids(page.Items)
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) || page.Total != len(want) {
				t.Errorf("%q: %v (total %d), want %v", text, got, page.Total, want)
			}
		}
	})
}

func TestSearchHostileTextNeverFails(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		upsert(t, repo, newTorrent(t, 1), newTorrent(t, 2))
		for _, text := range []string{
			`"`, `"""`, `a"b`, `NEAR(a b, 5)`, `NEAR(`, `*`, `a*`, `name:torrent`, `paths:`, `{name}:x`, `^torrent`,
			`torrent AND OR NOT x`, `(torrent`, `torrent)`, `-torrent`, `+`, `'; DROP TABLE torrents; --`,
			`%' OR 1=1 --`, "🙂🎬", "x\x00y", strings.Repeat("é", 200), strings.Repeat("a ", 100),
			strings.Repeat(`"*(`, 66), "torrent 001", "TORRENT 00",
		} {
			c := domain.SearchCriteria{Text: text}
			if err := c.Normalize(); err != nil {
				continue // refused before the store, as the API refuses it
			}
			for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortName} {
				c.Sort = sort
				if _, err := repo.Search(context.Background(), c); err != nil {
					t.Fatalf("%q sorted by %s: %v", text, sort, err)
				}
			}
		}
	})
}

func TestSearchTotalIsBounded(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		pagingFixture(t, repo)
		repo.countLimit = 10
		for _, text := range []string{"", "common"} {
			page, err := repo.Search(ctx, criteria(t, text, 5))
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 10 || page.TotalExact || page.Next == nil {
				t.Fatalf("%q: total %d exact %v", text, page.Total, page.TotalExact)
			}
			page, err = repo.Search(ctx, criteria(t, text, 5, func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} }))
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 10 || page.TotalExact { // 12 tv torrents
				t.Fatalf("%q tv: total %d exact %v", text, page.Total, page.TotalExact)
			}
			seeders := int64(3) // 11 torrents
			repo.countLimit = 20
			page, err = repo.Search(ctx, criteria(t, text, 5, func(c *domain.SearchCriteria) { c.MinSeeders = &seeders }))
			if err != nil || page.Total != 11 || !page.TotalExact {
				t.Fatalf("%q: exact total under the bound: %d %v %v", text, page.Total, page.TotalExact, err)
			}
			// Past the end the page is empty, and the total is still told.
			page, err = repo.Search(ctx, criteria(t, text, 5, func(c *domain.SearchCriteria) { c.MinSeeders, c.Offset = &seeders, 50 }))
			if err != nil || len(page.Items) != 0 || page.Total != 11 || !page.TotalExact || page.Next != nil {
				t.Fatalf("%q: past the end: %+v %v", text, page, err)
			}
			repo.countLimit = 10
		}
	})
}

// The real bound, with more rows than domain.SearchCountLimit, written in one statement.
func TestSearchTotalAtTheRealLimit(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes 10,050 rows; TestSearchTotalIsBounded covers the logic with a lower bound")
	}
	db := openMigrated(t, LocalOptions{})
	ctx := context.Background()
	_, err := db.batch(ctx, []Statement{{
		SQL: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < CAST(? AS INTEGER))
INSERT INTO torrents (info_hash, name, name_key, size, category_id, seeders, leechers, uploaded_at)
SELECT printf('%040x', i), 'bulk item ' || i, 'bulk item ' || i, i, (SELECT id FROM categories WHERE slug = 'other'), i % 10, 0, 1700000000 + i FROM n`,
		Params: []any{domain.SearchCountLimit + 50},
	}})
	if err != nil {
		t.Fatal(err)
	}
	repo := NewTorrentRepository(db)
	for _, text := range []string{"", "bulk", "item 1"} {
		page, err := repo.Search(ctx, criteria(t, text, 20))
		if err != nil {
			t.Fatal(err)
		}
		if text == "item 1" {
			// "1" is a prefix: 1, 10..19, 100..199, 1000..1999, 10000..10050.
			if page.Total != 1+10+100+1000+51 || !page.TotalExact {
				t.Fatalf("%q: total %d exact %v", text, page.Total, page.TotalExact)
			}
			continue
		}
		if page.Total != domain.SearchCountLimit || page.TotalExact || len(page.Items) != 20 {
			t.Fatalf("%q: total %d exact %v", text, page.Total, page.TotalExact)
		}
	}
	// Filtered: the probe counts only the newest matches its sample needs (see probe); the total is
	// still exact under the bound and flagged above it.
	i64 := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		name   string
		filter func(*domain.SearchCriteria)
		total  int
		exact  bool
	}{
		{"9 in 10", func(c *domain.SearchCriteria) { c.MinSeeders = i64(1) }, 9045, true},
		{"every torrent", func(c *domain.SearchCriteria) { c.MinSeeders = i64(0) }, domain.SearchCountLimit, false},
		{"the newest half", func(c *domain.SearchCriteria) { c.After = time.Unix(1700000000+5001, 0) }, 5050, true},
		{"all but one", func(c *domain.SearchCriteria) { c.MaxSize = i64(domain.SearchCountLimit + 49) }, domain.SearchCountLimit, false},
		{"1 in 10 of a carried category", func(c *domain.SearchCriteria) { c.Categories, c.MinSeeders = []string{"other"}, i64(9) }, 1005, true},
	} {
		for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortSeeders} {
			page, err := repo.Search(ctx, criteria(t, "bulk", 20, tc.filter, func(c *domain.SearchCriteria) { c.Sort = sort }))
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != tc.total || page.TotalExact != tc.exact || len(page.Items) != 20 {
				t.Errorf("%s by %s: total %d exact %v, %d items; want %d %v", tc.name, sort, page.Total, page.TotalExact, len(page.Items), tc.total, tc.exact)
			}
		}
	}
	if counts := categoryCounts(t, db); counts["other"] != domain.SearchCountLimit+50 {
		t.Fatalf("other: %d", counts["other"])
	}
}

// On D1 every engine call is a request to Cloudflare: a text search is at most two (the probe, then
// the page with its count), whatever it needs counted; details and latest are one. The d1-typed
// mode plans as D1 does (its engine reports D1's costs).
func TestSearchIsTwoCallsOnD1(t *testing.T) {
	db := openMigrated(t, LocalOptions{ParamsAsText: true, JSONResults: true})
	ctx := context.Background()
	repo := NewTorrentRepository(db)
	pagingFixture(t, repo)
	seeders := int64(3)
	for _, countLimit := range []int{5, 10, 1000} {
		repo.countLimit = countLimit
		for _, c := range []domain.SearchCriteria{
			criteria(t, "common", 5),
			criteria(t, "commonest", 5), // a long last word, never written out on D1
			criteria(t, "common", 5, func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} }),
			criteria(t, "common", 5, func(c *domain.SearchCriteria) { c.MinSeeders = &seeders }),
			criteria(t, "common", 5, func(c *domain.SearchCriteria) { c.MinSeeders, c.Offset = &seeders, 50 }),
			criteria(t, "common", 5, func(c *domain.SearchCriteria) { c.MinSeeders, c.Sort = &seeders, domain.SortSeeders }),
			// Filters the full-text match carries (search_facets.go), alone and beside another.
			criteria(t, "common", 5, func(c *domain.SearchCriteria) { c.Categories, c.MinSeeders = []string{"tv", "books"}, &seeders }),
			criteria(t, "common", 5, func(c *domain.SearchCriteria) { c.Resolutions = []string{domain.UnknownResolution} }),
		} {
			before := db.Calls()
			if _, err := repo.Search(ctx, c); err != nil {
				t.Fatal(err)
			}
			if calls := db.Calls() - before; calls > 2 {
				t.Errorf("bound %d, %+v: %d engine calls, want at most 2", countLimit, c, calls)
			}
		}
	}
	before := db.Calls()
	if _, err := repo.Get(ctx, domain.TorrentRef{ID: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Latest(ctx, "tv", 20); err != nil {
		t.Fatal(err)
	}
	if calls := db.Calls() - before; calls != 2 {
		t.Errorf("details and latest took %d engine calls, want 1 each", calls)
	}
}

// On D1 an uncached search is one request when the planner needs no cost to choose its strategy
// (few matches; relevance without filters: few matches or the name tiers), its page sent ahead
// with the probe (search_ahead.go), and two otherwise; details and latest are one. The pages are
// the ones the local file answers with its probe and page in turn. Before the pages went out with
// the probe, every search here took two calls.
func TestSearchRoundTripsOnD1(t *testing.T) {
	ctx := context.Background()
	d1 := openMigrated(t, LocalOptions{ParamsAsText: true, JSONResults: true})
	local := openMigrated(t, LocalOptions{})
	repo, plain := NewTorrentRepository(d1), NewTorrentRepository(local)
	torrents := pagingFixture(t, repo)
	pagingFixture(t, plain)
	// "gamma" is in 4 names, "common" in every torrent (each one's file path): with a relevance
	// bound of 5, the first has few matches and the second many.
	repo.relevanceScored, plain.relevanceScored = 5, 5
	seeders := int64(1)
	last := torrents[len(torrents)-1]
	for _, tc := range []struct {
		name  string
		c     domain.SearchCriteria
		calls int64
	}{
		{"few, relevance", criteria(t, "gamma", 2), 1},
		{"few, two words", criteria(t, "gamma common", 2), 1},
		{"few, a prefix", criteria(t, "gam", 2), 1},
		{"few, a filter", criteria(t, "gamma", 2, func(c *domain.SearchCriteria) { c.MinSeeders = &seeders }), 1},
		{"few, a carried filter", criteria(t, "gamma", 2, func(c *domain.SearchCriteria) { c.Categories = []string{"movies"} }), 1},
		{"few, by seeders", criteria(t, "gamma", 2, func(c *domain.SearchCriteria) { c.Sort = domain.SortSeeders }), 1},
		{"few, by name, past the end", criteria(t, "gamma", 2, func(c *domain.SearchCriteria) { c.Sort, c.Offset = domain.SortName, 10 }), 1},
		{"many, relevance", criteria(t, "common", 2), 1},
		{"many, two words", criteria(t, "alpha common", 2), 1},
		{"many, relevance, a carried filter", criteria(t, "common", 2, func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} }), 1},
		{"many, relevance, deep", criteria(t, "common", 2, func(c *domain.SearchCriteria) {
			c.Cursor = &domain.Position{Float: nameTier / float64(relevanceScale), ID: last.ID}
		}), 1},
		{"many, relevance, a filter", criteria(t, "common", 2, func(c *domain.SearchCriteria) { c.MinSeeders = &seeders }), 2},
		{"many, by seeders", criteria(t, "common", 2, func(c *domain.SearchCriteria) { c.Sort = domain.SortSeeders }), 2},
	} {
		before := d1.Calls()
		got, err := repo.Search(ctx, tc.c)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if calls := d1.Calls() - before; calls != tc.calls {
			t.Errorf("%s: %d engine calls, want %d", tc.name, calls, tc.calls)
		}
		want, err := plain.Search(ctx, tc.c)
		if err != nil {
			t.Fatalf("%s, local: %v", tc.name, err)
		}
		if g, w := ids(got.Items), ids(want.Items); !slices.Equal(g, w) || got.Total != want.Total || got.TotalExact != want.TotalExact ||
			(got.Next == nil) != (want.Next == nil) {
			t.Errorf("%s: page %v (total %d, exact %v, next %v), the local file's %v (total %d, exact %v, next %v)",
				tc.name, g, got.Total, got.TotalExact, got.Next != nil, w, want.Total, want.TotalExact, want.Next != nil)
		}
	}
	before := d1.Calls()
	if _, err := repo.Get(ctx, domain.TorrentRef{ID: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Latest(ctx, "tv", 20); err != nil {
		t.Fatal(err)
	}
	if calls := d1.Calls() - before; calls != 2 {
		t.Errorf("details and latest took %d engine calls, want 1 each", calls)
	}
}

// A few-matches page sent with the probe that the planner does not choose walks no match: its gate
// (the planner's test of the probe's row, search_ahead.go) stops it, and the statement's one row
// is the probe's. (The name tiers go ungated: not chosen, they walk at most the few matches.)
func TestPagesSentAheadStopAtTheirGate(t *testing.T) {
	db := openMigrated(t, LocalOptions{ParamsAsText: true, JSONResults: true})
	ctx := context.Background()
	repo := NewTorrentRepository(db)
	pagingFixture(t, repo)
	repo.relevanceScored = 5 // "gamma" has 4 matches, "common" 45
	seeders := int64(1)
	for _, tc := range []struct {
		text   string
		mutate func(*domain.SearchCriteria)
		s      strategy
		runs   bool
	}{
		{"gamma", nil, fewMatches, true},
		{"common", nil, fewMatches, false},
		{"gamma", func(c *domain.SearchCriteria) { c.MinSeeders, c.Sort = &seeders, domain.SortSeeders }, fewMatches, true},
		{"common", func(c *domain.SearchCriteria) { c.MinSeeders, c.Sort = &seeders, domain.SortSeeders }, fewMatches, false},
	} {
		c := criteria(t, tc.text, 2)
		if tc.mutate != nil {
			tc.mutate(&c)
		}
		q := newSearchQuery(c, ftsQuery(c.Terms), repo.countLimit)
		res, err := db.query(ctx, repo.probeWithFewPage(q))
		if err != nil {
			t.Fatalf("%q, strategy %d: %v", tc.text, tc.s, err)
		}
		page, err := q.readPage(res)
		if err != nil {
			t.Fatal(err)
		}
		if ran := len(page.Items) > 0; ran != tc.runs {
			t.Errorf("%q, strategy %d: %d torrents, want some: %v", tc.text, tc.s, len(page.Items), tc.runs)
		}
		if !tc.runs && (page.Total > 0 || len(res.Rows) != 1) {
			t.Errorf("%q, strategy %d: a stopped page counted %d in %d rows, want the probe's row alone", tc.text, tc.s, page.Total, len(res.Rows))
		}
		if p, err := repo.readProbe(q, res); err != nil || p.n == 0 {
			t.Errorf("%q, strategy %d: the probe's row reads %+v, %v", tc.text, tc.s, p, err)
		}
	}
}

// A filter every torrent passes (a bound at the catalog's edge, or every category that has
// torrents) is seen from the edges and the search is planned without it; one step inside the edge
// it filters. Either way the page and the total are those of the filter applied to every torrent.
func TestSearchFiltersAtTheCatalogsEdges(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		i64 := func(v int64) *int64 { return &v }
		minSize, maxSize := torrents[0].Size, torrents[0].Size
		first, last := torrents[0].UploadedAt, torrents[0].UploadedAt
		for _, tor := range torrents {
			minSize, maxSize = min(minSize, tor.Size), max(maxSize, tor.Size)
			if tor.UploadedAt.Before(first) {
				first = tor.UploadedAt
			}
			if tor.UploadedAt.After(last) {
				last = tor.UploadedAt
			}
		}
		for _, tc := range []struct {
			name    string
			mutate  func(*domain.SearchCriteria)
			keep    func(domain.Torrent) bool
			vacuous bool
		}{
			{"min size at the edge", func(c *domain.SearchCriteria) { c.MinSize = i64(minSize) },
				func(domain.Torrent) bool { return true }, true},
			{"min size inside", func(c *domain.SearchCriteria) { c.MinSize = i64(minSize + 1) },
				func(t domain.Torrent) bool { return t.Size > minSize }, false},
			{"max size at the edge", func(c *domain.SearchCriteria) { c.MaxSize = i64(maxSize) },
				func(domain.Torrent) bool { return true }, true},
			{"max size inside", func(c *domain.SearchCriteria) { c.MaxSize = i64(maxSize - 1) },
				func(t domain.Torrent) bool { return t.Size < maxSize }, false},
			{"min seeders 0", func(c *domain.SearchCriteria) { c.MinSeeders = i64(0) },
				func(domain.Torrent) bool { return true }, true},
			{"min seeders 1", func(c *domain.SearchCriteria) { c.MinSeeders = i64(1) },
				func(t domain.Torrent) bool { return t.Seeders >= 1 }, false},
			{"after the first", func(c *domain.SearchCriteria) { c.After = first },
				func(domain.Torrent) bool { return true }, true},
			{"after just past the first", func(c *domain.SearchCriteria) { c.After = first.Add(time.Second) },
				func(t domain.Torrent) bool { return t.UploadedAt.After(first) }, false},
			{"before past the last", func(c *domain.SearchCriteria) { c.Before = last.Add(time.Second) },
				func(domain.Torrent) bool { return true }, true},
			{"before the last", func(c *domain.SearchCriteria) { c.Before = last },
				func(t domain.Torrent) bool { return t.UploadedAt.Before(last) }, false},
			{"every category with torrents", func(c *domain.SearchCriteria) { c.Categories = []string{"books", "tv", "movies"} },
				func(domain.Torrent) bool { return true }, true},
			{"a category short", func(c *domain.SearchCriteria) { c.Categories = []string{"books", "tv"} },
				func(t domain.Torrent) bool { return t.Category.Slug == "tv" }, false},
			{"the only category", func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} },
				func(t domain.Torrent) bool { return t.Category.Slug == "tv" }, false},
			{"an edge beside a filter", func(c *domain.SearchCriteria) { c.MinSize, c.MinSeeders = i64(minSize), i64(2) },
				func(t domain.Torrent) bool { return t.Seeders >= 2 }, false},
			{"a release filter", func(c *domain.SearchCriteria) { c.MinSeeders, c.Year = i64(0), ptrTo(1999) },
				func(domain.Torrent) bool { return false }, false},
		} {
			for _, countLimit := range []int{5, 1000} {
				repo.countLimit = countLimit
				for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortSeeders} {
					c := criteria(t, "common", 100, tc.mutate, func(c *domain.SearchCriteria) { c.Sort = sort })
					page, err := repo.Search(ctx, c)
					if err != nil {
						t.Fatalf("%s: %v", tc.name, err)
					}
					var want []int64
					for _, tor := range torrents {
						if tc.keep(tor) && strings.Contains(strings.ToLower(tor.Name+" "+tor.Files[0].Path), "common") {
							want = append(want, tor.ID)
						}
					}
					got := ids(page.Items)
					slices.Sort(got)
					slices.Sort(want)
					wantTotal, wantExact := min(len(want), countLimit), len(want) <= countLimit
					if !slices.Equal(got, want) || page.Total != wantTotal || page.TotalExact != wantExact {
						t.Fatalf("%s, bound %d, by %s: got %v (total %d, exact %v), want %v (total %d, exact %v)",
							tc.name, countLimit, sort, got, page.Total, page.TotalExact, want, wantTotal, wantExact)
					}
					q := newSearchQuery(c, ftsQuery(c.Terms), countLimit)
					p, err := repo.probe(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if q.carried.categories && len(q.filters) == 0 {
						continue // the match carries the categories (search_facets.go): no filter is left to be vacuous
					}
					if p.vacuous != tc.vacuous {
						t.Fatalf("%s: the probe says vacuous %v, want %v", tc.name, p.vacuous, tc.vacuous)
					}
				}
			}
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// On the local file a filtered page that the filters leave empty (none pass, or past the end)
// carries its total like any other: two statements, the probe and the page, with the total exact.
// Before, the page statement carried the total in its rows only, so an empty page ran the count
// too: a second walk over every match.
func TestSearchEmptyFilteredPageCarriesItsTotal(t *testing.T) {
	db := openMigrated(t, LocalOptions{})
	ctx := context.Background()
	repo := NewTorrentRepository(db)
	repo.expandLast = false
	torrents := pagingFixture(t, repo)
	repo.segments.count(ctx, repo) // read every 30 s, not on each search
	i64 := func(v int64) *int64 { return &v }
	passing := 0
	for _, tor := range torrents {
		if tor.Seeders >= 3 && tor.Size >= 400 {
			passing++
		}
	}
	for _, scored := range []int{5, 1000} { // the kept tiers, and every match scored
		repo.relevanceScored = scored
		for _, tc := range []struct {
			c    domain.SearchCriteria
			want int
		}{
			{criteria(t, "common", 5, func(c *domain.SearchCriteria) { c.MinSeeders = i64(100) }), 0},
			{criteria(t, "common", 5, func(c *domain.SearchCriteria) { c.MinSeeders, c.MinSize, c.Offset = i64(3), i64(400), 10 }), passing},
		} {
			before := db.Calls()
			page, err := repo.Search(ctx, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if calls := db.Calls() - before; calls != 2 || len(page.Items) != 0 || page.Total != tc.want || !page.TotalExact {
				t.Errorf("scored %d, %+v: %d calls, %d items, total %d (exact %v); want 2 calls, none, total %d",
					scored, tc.c, calls, len(page.Items), page.Total, page.TotalExact, tc.want)
			}
		}
	}
}

// A filter every torrent passed when the probe ran stays tested by the page: a torrent written
// between the two statements (the local file runs them apart) may fail it. It failed when the
// few-matches page dropped the filters of a search the probe had found vacuous.
func TestSearchVacuousFiltersStayInThePage(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		upsert(t, repo,
			newTorrent(t, 1, func(tor *domain.Torrent) { tor.Name = "vacuous one"; tor.Seeders = 5 }),
			newTorrent(t, 2, func(tor *domain.Torrent) { tor.Name = "vacuous two"; tor.Seeders = 7 }))
		c := criteria(t, "vacuous", 10, func(c *domain.SearchCriteria) { c.MinSeeders = ptr(int64(5)) })
		q := newSearchQuery(c, ftsQuery(c.Terms), repo.countLimit)
		p, err := repo.probe(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !p.vacuous {
			t.Fatalf("minSeeders=5 over seeders 5 and 7: not vacuous (%+v)", p)
		}
		q.filtered = false // as Search plans it
		upsert(t, repo, newTorrent(t, 3, func(tor *domain.Torrent) { tor.Name = "vacuous three"; tor.Seeders = 1 }))
		page, err := repo.page(ctx, q, q.pageStatement(repo.plan(q, p), p))
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			if item.Seeders < 5 {
				t.Fatalf("%q with %d seeders passed minSeeders=5", item.Name, item.Seeders)
			}
		}
		if len(page.Items) != 2 {
			t.Fatalf("%d items, want the 2 with 5 seeders or more", len(page.Items))
		}
	})
}
