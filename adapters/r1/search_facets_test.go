package r1

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// searchIDs runs c and returns its page's ids, sorted, and its total.
func searchIDs(t *testing.T, repo *TorrentRepository, c domain.SearchCriteria) ([]int64, int) {
	t.Helper()
	page, err := repo.Search(context.Background(), c)
	if err != nil {
		t.Fatalf("Search(%q, %v): %v", c.Text, c.Terms, err)
	}
	got := ids(page.Items)
	slices.Sort(got)
	return got, page.Total
}

// No text can act as a filter: the facet tokens (search_facets.go) are reached neither by a search
// term holding their characters (even one that skipped domain.Tokenize) nor by a torrent whose name
// or file paths hold them.
func TestSearchFacetTokensCannotBeForged(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		books, unknown, fullHD := facetToken(categoryFacet, "books"), facetToken(resolutionFacet, ""), facetToken(resolutionFacet, "1080p")
		torrents := []domain.Torrent{
			newTorrent(t, 1, func(tor *domain.Torrent) { tor.Name = "Alpha Common 1080p" }),
			// A movie without a resolution whose name and file hold the tokens of books and of 1080p.
			newTorrent(t, 2, func(tor *domain.Torrent) {
				tor.Name = "Alpha " + books + " " + fullHD
				tor.Files = []domain.File{{Path: "alpha/" + books + "/" + fullHD + ".bin", Size: 1}}
			}),
			newTorrent(t, 3, func(tor *domain.Torrent) {
				tor.Name = "Alpha Gamma"
				tor.Category = domain.CategoryRef{Slug: "books", Name: "Books"}
			}),
			newTorrent(t, 4, func(tor *domain.Torrent) {
				tor.Name = "Delta Gamma"
				tor.Category = domain.CategoryRef{Slug: "books", Name: "Books"}
			}),
		}
		out := upsert(t, repo, torrents...)
		id := func(i int) int64 { return out[i].ID }
		for _, tc := range []struct {
			name   string
			c      domain.SearchCriteria
			want   []int64
			checks func(*searchQuery) bool
		}{
			{"a word in books", criteria(t, "alpha", 50, func(c *domain.SearchCriteria) { c.Categories = []string{"books"} }),
				[]int64{id(2)}, func(q *searchQuery) bool { return q.carried.categories }},
			{"a word in 1080p", criteria(t, "alpha", 50, func(c *domain.SearchCriteria) { c.Resolutions = []string{"1080p"} }),
				[]int64{id(0)}, func(q *searchQuery) bool { return q.carried.resolutions }},
			{"a word without a resolution", criteria(t, "alpha", 50, func(c *domain.SearchCriteria) { c.Resolutions = []string{domain.UnknownResolution} }),
				[]int64{id(1), id(2)}, func(q *searchQuery) bool { return q.carried.resolutions }},
			// The literal token, typed: Tokenize keeps none of its private-use character.
			{"the token typed", criteria(t, books, 50), nil, nil},
			{"the token typed with a filter", criteria(t, books+" alpha", 50, func(c *domain.SearchCriteria) { c.Categories = []string{"movies"} }),
				nil, nil},
			// The literal tokens as terms that skipped Tokenize: ftsQuery drops the mark.
			{"the token as a term", domain.SearchCriteria{Terms: []string{books}, Limit: 50}, nil, nil},
			{"the tokens as terms", domain.SearchCriteria{Terms: []string{"alpha", unknown}, Limit: 50}, nil, nil},
			{"a column filter as a term", domain.SearchCriteria{Terms: []string{"{facets} : " + books}, Limit: 50}, nil, nil},
		} {
			got, total := searchIDs(t, repo, tc.c)
			if !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Errorf("%s: got %v (total %d), want %v", tc.name, got, total, tc.want)
			}
			if tc.checks != nil && !tc.checks(newSearchQuery(tc.c, ftsQuery(tc.c.Terms), 10000)) {
				t.Errorf("%s: the match does not carry the filter", tc.name)
			}
		}
	})
}

// The facets follow their torrent: a torrent that changes category or resolution (its name) is found
// by its new ones only, and a taken-down torrent by none; the same results on a relevance search
// ranked by bm25 and on every strategy a small count bound and relevance bound push the planner to.
func TestSearchFacetsFollowTheirTorrent(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		torrents := numberedTorrents(t, 40, func(i int, tor *domain.Torrent) {
			tor.Name = []string{"Omega 720p", "Omega Show 1080p", "Omega", "Omega Other 2160p"}[i%4]
			tor.Category = []domain.CategoryRef{{Slug: "movies"}, {Slug: "tv"}, {Slug: "books"}}[i%3]
			tor.Seeders = int64(i)
		})
		out := upsert(t, repo, torrents...)
		for i := range torrents {
			torrents[i].ID = out[i].ID
		}
		// Torrent 0 moves from movies to books and from 720p to 1080p; torrent 1 is taken down.
		moved := newTorrent(t, 0, func(tor *domain.Torrent) {
			tor.Name, tor.Category = "Omega Moved 1080p", domain.CategoryRef{Slug: "books"}
		})
		upsert(t, repo, moved)
		moved.ID = torrents[0].ID
		torrents[0] = moved
		if _, err := repo.TakeDown(context.Background(), []domain.InfoHash{torrents[1].InfoHash}); err != nil {
			t.Fatal(err)
		}
		torrents = slices.Delete(torrents, 1, 2)
		resolutionOf := func(tor domain.Torrent) string {
			for _, r := range domain.Resolutions {
				if slices.Contains(domain.Tokenize(tor.Name), r) {
					return r
				}
			}
			return domain.UnknownResolution
		}
		for _, filter := range []func(*domain.SearchCriteria){
			func(c *domain.SearchCriteria) { c.Categories = []string{"books"} },
			func(c *domain.SearchCriteria) { c.Categories = []string{"movies", "tv"} },
			func(c *domain.SearchCriteria) { c.Resolutions = []string{"1080p"} },
			func(c *domain.SearchCriteria) { c.Resolutions = []string{"720p", domain.UnknownResolution} },
			func(c *domain.SearchCriteria) {
				c.Categories, c.Resolutions = []string{"books"}, []string{"1080p", "2160p"}
			},
			func(c *domain.SearchCriteria) { c.Categories, c.MinSeeders = []string{"tv"}, ptrTo(int64(20)) },
		} {
			var want []int64
			probe := criteria(t, "omega", 50, filter)
			for _, tor := range torrents {
				if (len(probe.Categories) == 0 || slices.Contains(probe.Categories, tor.Category.Slug)) &&
					(len(probe.Resolutions) == 0 || slices.Contains(probe.Resolutions, resolutionOf(tor))) &&
					(probe.MinSeeders == nil || tor.Seeders >= *probe.MinSeeders) {
					want = append(want, tor.ID)
				}
			}
			slices.Sort(want)
			for _, bounds := range [][2]int{{10000, 1000}, {3, 2}} {
				repo.countLimit, repo.relevanceScored = bounds[0], bounds[1]
				for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortSeeders, domain.SortName, domain.SortDate} {
					c := criteria(t, "omega", 50, filter, func(c *domain.SearchCriteria) { c.Sort = sort })
					got, total := searchIDs(t, repo, c)
					wantTotal := min(len(want), repo.countLimit)
					if !slices.Equal(got, want) || total != wantTotal {
						t.Fatalf("%v %v by %s, bounds %v: got %v (total %d), want %v (total %d)",
							c.Categories, c.Resolutions, sort, bounds, got, total, want, wantTotal)
					}
					// The same search with lists too long for the match to carry (values no torrent
					// has added) pages the same torrents in the same order, with the same cursors.
					twin := criteria(t, "omega", 50, filter, func(c *domain.SearchCriteria) {
						c.Sort = sort
						if len(c.Categories) > 0 {
							c.Categories = append(c.Categories, "none1", "none2", "none3")
						}
						if len(c.Resolutions) > 0 {
							c.Resolutions = append(c.Resolutions, "360p", "540p", "4320p")
						}
					})
					if q := newSearchQuery(twin, ftsQuery(twin.Terms), 10); q.facetMatch != "" {
						t.Fatalf("the twin's match carries %q", q.facetMatch)
					}
					carried, err := repo.Search(context.Background(), c)
					if err != nil {
						t.Fatal(err)
					}
					uncarried, err := repo.Search(context.Background(), twin)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(carried, uncarried) {
						t.Fatalf("%v %v by %s, bounds %v: carried %+v, not carried %+v", c.Categories, c.Resolutions, sort, bounds, carried, uncarried)
					}
				}
			}
		}
	})
}

// searchIndexMigration is the latest migration that makes the full-text index again from the rows
// (0014 first, with the category and resolution; 0027 with the date and size too).
const searchIndexMigration = "0027_search_ranges.sql"

// The latest migration that makes the full-text index again indexes the torrents stored before it
// with their facets: its statements, run again over a catalog, leave every search, filtered or not,
// answering as before, and every torrent's date and size tokens in the index.
func TestSearchFacetsMigrationIndexesStoredTorrents(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		torrents := numberedTorrents(t, 12, func(i int, tor *domain.Torrent) {
			tor.Name = []string{"Sigma 720p", "Sigma Show", "Sigma Film 2160p"}[i%3]
			tor.Files = []domain.File{{Path: "inner/kappa.bin", Size: 1}}
			tor.Category = []domain.CategoryRef{{Slug: "movies"}, {Slug: "tv"}}[i%2]
		})
		upsert(t, repo, torrents...)
		// As the catalog held them before this migration ran: the file lists as JSON, which its
		// statements index (0039 packs them, and leaves JSON only where 0037's words are NULL).
		storeAsBefore0039(t, db, torrents...)
		search := func() [][]int64 {
			var out [][]int64
			for _, filter := range []func(*domain.SearchCriteria){
				func(*domain.SearchCriteria) {},
				func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} },
				func(c *domain.SearchCriteria) { c.Resolutions = []string{"2160p", domain.UnknownResolution} },
			} {
				for _, text := range []string{"sigma", "kappa", "sig"} {
					got, _ := searchIDs(t, repo, criteria(t, text, 50, filter))
					out = append(out, got)
				}
			}
			return out
		}
		before := search()
		if len(before[3]) != 6 || len(before[4]) != 6 || len(before[6]) != 8 {
			t.Fatalf("before the migration again: %v", before)
		}
		i := slices.IndexFunc(migrations, func(m migration) bool { return m.name == searchIndexMigration })
		if i < 0 {
			t.Fatal("no migration " + searchIndexMigration)
		}
		var batch []Statement
		for _, s := range migrations[i].statements {
			batch = append(batch, Statement{SQL: s})
		}
		if _, err := db.batch(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		if after := search(); !slices.EqualFunc(after, before, slices.Equal) {
			t.Fatalf("after the migration again: %v, before %v", after, before)
		}
		// The index was made again from the rows: nothing is left of the first one.
		if n := scalar(t, db, "SELECT doc FROM torrents_fts_vocab WHERE term = 'sigma'"); n != 12 {
			t.Fatalf("'sigma' is in %d torrents of the rebuilt index, want 12", n)
		}
		for _, kind := range []string{"d", "s"} {
			if n := scalar(t, db, "SELECT count(*) FROM torrents_fts WHERE torrents_fts MATCH ?", "{facets} : "+ftsString(facetMark+kind)+" *"); n != 12 {
				t.Fatalf("%d torrents of the rebuilt index have a %q token, want 12", n, kind)
			}
		}
	})
}
