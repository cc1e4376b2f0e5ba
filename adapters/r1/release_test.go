package r1

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// Rows stored before migration 0006 (or read by an older parser) get their reading at the next
// Migrate, in batches, and a later Migrate reads nothing again.
func TestMigrateDerivesReleasesOfStoredRows(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		const n = deriveBatch + 7 // more than one batch
		var list []domain.Torrent
		for i := range n {
			list = append(list, newTorrent(t, i, func(tor *domain.Torrent) {
				tor.Name = fmt.Sprintf("Show.%03d.S02E%02d.1080p.WEB-DL.x264-GRP", i, i%50+1)
			}))
		}
		upsert(t, repo, list...)
		// As the rows were before 0006: no reading, no record of one.
		if _, err := db.batch(context.Background(), []Statement{
			{SQL: "UPDATE torrents SET release = '{}', release_parser = 0, release_year = NULL, release_season_min = NULL, release_season_max = NULL, release_episode_min = NULL, release_episode_max = NULL, release_resolution = NULL"},
			{SQL: "DELETE FROM derived_versions"},
		}); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(t.Context(), domain.TorrentRef{ID: 3})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Release.IsZero() || got.Release.Title != "" {
			t.Fatalf("the reset row still reads %+v", got.Release)
		}
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		got, err = repo.Get(t.Context(), domain.TorrentRef{ID: n})
		if err != nil {
			t.Fatal(err)
		}
		if got.Release.Resolution != "1080p" || !slices.Equal(got.Release.Seasons, []int{2}) || got.Release.Group != "GRP" {
			t.Errorf("row %d reads %+v after Migrate", n, got.Release)
		}
		if stale := scalar(t, db, "SELECT count(*) FROM torrents WHERE release_parser < ? OR release_season_min IS NOT 2", domain.ReleaseParserVersion); stale != 0 {
			t.Errorf("%d rows not derived", stale)
		}
		if v := scalar(t, db, "SELECT version FROM derived_versions WHERE name = 'release'"); v != domain.ReleaseParserVersion {
			t.Errorf("derived_versions records %d", v)
		}
		// Done once: a row made stale now is not read again (the record says all are current).
		if _, err := db.batch(context.Background(), []Statement{{SQL: "UPDATE torrents SET release_parser = 0 WHERE id = 1"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if v := scalar(t, db, "SELECT release_parser FROM torrents WHERE id = 1"); v != 0 {
			t.Errorf("a second Migrate read the rows again")
		}
	})
}
