package r1

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// The probe of a filtered search walks the newest matches once: its sample is the matches it
// walks, each sought in torrents_facets once as it goes (one seek for every test of the sample: the
// filters, a size range's edge buckets), not a second walk; and it says how many of them pass, and
// how many lie in the coarsest buckets at a size range's ends.
func TestTheProbeWalksTheMatchesOnce(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := pagingFixture(t, repo)
		for _, tc := range []struct {
			name  string
			apply func(*domain.SearchCriteria)
			keep  func(domain.Torrent) bool
		}{
			{"seeders", func(c *domain.SearchCriteria) { c.MinSeeders = ptr(int64(2)) }, func(tor domain.Torrent) bool { return tor.Seeders >= 2 }},
			{"size", func(c *domain.SearchCriteria) { c.MinSize = ptr(int64(200)) }, func(tor domain.Torrent) bool { return tor.Files[0].Size >= 200 }},
			{"size range", func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize = ptr(int64(150)), ptr(int64(2500)) },
				func(tor domain.Torrent) bool { return tor.Files[0].Size >= 150 && tor.Files[0].Size <= 2500 }},
		} {
			c := criteria(t, "common", 5, tc.apply)
			q := newSearchQuery(c, ftsQuery(c.Terms), 1000)
			s := repo.probeStatement(q)
			// The walk of a search without filters (plainCount), taken instead when every torrent
			// passes them, is not counted.
			res, err := db.query(ctx, Statement{SQL: "EXPLAIN QUERY PLAN " + s.SQL, Params: s.Params})
			if err != nil {
				t.Fatal(err)
			}
			plain, walks, seeks := map[int64]bool{}, 0, 0
			for _, row := range res.Rows {
				rr := rowReader{row: row}
				id, parent, step := rr.int("id"), rr.int("parent"), rr.text("detail")
				// The walk of a search without filters, and the catalog's sample (catalogSample),
				// are not the sample's walk.
				if plain[parent] || step == "MATERIALIZE pn" || step == "MATERIALIZE px" || step == "MATERIALIZE cs" {
					plain[id] = true
				} else if strings.Contains(step, "VIRTUAL TABLE") {
					walks++
				} else if strings.Contains(step, "torrents_facets") {
					seeks++
				}
			}
			if walks != 1 {
				t.Errorf("%s: the probe walks the full-text index %d times, want once", tc.name, walks)
			}
			if seeks != 1 {
				t.Errorf("%s: the probe seeks each sampled match in torrents_facets %d times, want once", tc.name, seeks)
			}
			p, err := repo.probe(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if p.vacuous {
				t.Fatalf("%s: every torrent passes the filter", tc.name)
			}
			want := 0
			for _, tor := range torrents {
				if tc.keep(tor) {
					want++
				}
			}
			if p.n != len(torrents) || p.sampled != want {
				t.Errorf("%s: the probe counted %d and sampled %d passing, want %d and %d", tc.name, p.n, p.sampled, len(torrents), want)
			}
			if c.MaxSize != nil {
				// The coarsest size buckets at the ends: 100 to 999 bytes (150's) and 1,000 to 9,999 (2,500's).
				var inEdges [2]int
				for _, tor := range torrents {
					switch size := tor.Files[0].Size; {
					case size >= 100 && size <= 999:
						inEdges[0]++
					case size >= 1000 && size <= 9999:
						inEdges[1]++
					}
				}
				if got := p.edgeSampled["size"]; got != inEdges {
					t.Errorf("%s: the probe sampled %v matches in the edge buckets, want %v", tc.name, got, inEdges)
				}
			}
		}
	})
}

// The probe of a search without filters, or whose filters every torrent passes, walks the oldest
// matches (FTS5 steps an intersection backwards slowly beside a long list), past the window or
// counting every one; a filtered one's the newest (its sample); each estimates the matches from how
// densely those it walked sit among the ids.
func TestTheProbeWalksTheOldestWithoutFilters(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := numberedTorrents(t, 40, func(i int, tor *domain.Torrent) {
			if i%2 == 0 {
				tor.Name = "Common Story"
			}
		})
		upsert(t, repo, torrents...)
		top := scalar(t, db, "SELECT max(id) FROM torrents")
		first := scalar(t, db, "SELECT min(id) FROM torrents")
		for _, tc := range []struct {
			text             string
			filter           func(*domain.SearchCriteria)
			filtered, oldest bool
		}{
			{"common", nil, false, true},       // one list
			{"common story", nil, false, true}, // an intersection
			{"common", func(c *domain.SearchCriteria) { c.MinSize = ptr(int64(1)) }, true, true},       // passed by every torrent
			{"common story", func(c *domain.SearchCriteria) { c.MinSize = ptr(int64(1)) }, true, true}, // the same
			{"story", func(c *domain.SearchCriteria) { c.MinSeeders = ptr(int64(1)) }, true, false},    // some fail it
		} {
			text, filtered := tc.text, !tc.oldest
			c := criteria(t, text, 5, func(c *domain.SearchCriteria) {
				if tc.filter != nil {
					tc.filter(c)
				}
			})
			q := newSearchQuery(c, ftsQuery(c.Terms), 5)
			repo.countLimit, repo.relevanceScored = 5, 5 // the window: 6 of the 20 matches
			name := fmt.Sprintf("%q filtered %v", text, tc.filtered)
			p, err := repo.probe(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if p.oldestFirst != tc.oldest || p.vacuous != (tc.filtered && tc.oldest) {
				t.Fatalf("%s: the probe walked the oldest first: %v (every torrent passes the filters: %v)", name, p.oldestFirst, p.vacuous)
			}
			if !filtered {
				// past the 6 oldest matches (the even torrents 0 to 10)
				if p.n != 6 || p.complete || p.high != first+10 {
					t.Fatalf("%s: the probe counted %d matches (complete %v) up to %d, want 6 up to %d", name, p.n, p.complete, p.high, first+10)
				}
				if got := p.estimatedMatches(); got != 6*float64(top)/float64(first+10) {
					t.Fatalf("%s: estimated %v matches", name, got)
				}
				repo.countLimit = 100 // the window: every match
				if p, err = repo.probe(ctx, q); err != nil {
					t.Fatal(err)
				}
				if p.n != 20 || !p.complete || p.estimatedMatches() != 20 {
					t.Fatalf("%s: the probe counted %d matches (complete %v), want all 20", name, p.n, p.complete)
				}
			} else if p.n != 6 || p.low != top-11 || p.high != top-1 {
				t.Fatalf("%s: the probe walked %d matches from %d to %d, want 6 from %d to %d", name, p.n, p.low, p.high, top-11, top-1)
			}
		}
	})
}
