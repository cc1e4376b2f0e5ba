package r1

import (
	"context"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// The probe of a filtered search walks the newest matches once: its sample is the matches it
// walks, each sought as it goes, not a second walk; and it says how many of them pass.
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
		} {
			c := criteria(t, "common", 5, tc.apply)
			q := newSearchQuery(c, ftsQuery(c.Terms), 1000)
			s := repo.probeStatement(q)
			walks := 0
			for _, step := range queryPlan(t, ctx, db, s) {
				if strings.Contains(step, "VIRTUAL TABLE") {
					walks++
				}
			}
			if walks != 1 {
				t.Errorf("%s: the probe walks the full-text index %d times, want once", tc.name, walks)
			}
			p, err := repo.probe(ctx, q)
			if err != nil {
				t.Fatal(err)
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
		}
	})
}
