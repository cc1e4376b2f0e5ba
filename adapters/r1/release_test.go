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
		if stale := scalar(t, db, "SELECT count(*) FROM torrents WHERE release_parser < ? OR release_season_min IS NOT 2", releaseVersion); stale != 0 {
			t.Errorf("%d rows not derived", stale)
		}
		if v := scalar(t, db, "SELECT version FROM derived_versions WHERE name = 'release'"); v != releaseVersion {
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

// Rows as migration 0006 left them (read by parser version 1, recorded as version 1) get 0011's
// air-date column at the next Migrate; a search by air date then finds them. Fails without 0011's
// derivation: the column stays NULL for stored daily episodes.
func TestMigrateDerivesTheAirDateOfRowsReadBefore0011(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		const n = deriveBatch + 3
		var list []domain.Torrent
		for i := range n {
			list = append(list, newTorrent(t, i, func(tor *domain.Torrent) {
				tor.Name = fmt.Sprintf("The.Daily.Show.2024.05.%02d.Guest.%d.720p.WEB.h264-GRP", i%28+1, i)
			}))
		}
		upsert(t, repo, list...)
		if _, err := db.batch(context.Background(), []Statement{
			{SQL: "UPDATE torrents SET release_air_date = NULL, release_parser = 1"},
			{SQL: "UPDATE derived_versions SET version = 1 WHERE name = 'release'"},
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if missing := scalar(t, db, "SELECT count(*) FROM torrents WHERE release_air_date IS NOT '2024-05-' || substr(name, 24, 2)"); missing != 0 {
			t.Errorf("%d rows without their air date", missing)
		}
		c := domain.SearchCriteria{AirDate: "2024-05-03", Limit: 100}
		if err := c.Normalize(); err != nil {
			t.Fatal(err)
		}
		page, err := repo.Search(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for i := range n {
			if i%28+1 == 3 {
				want++
			}
		}
		if len(page.Items) != want {
			t.Errorf("airDate 2024-05-03 found %d, want %d", len(page.Items), want)
		}
	})
}

// Rows read by parser version 1 (release_parser 102: version 1 with 0011's columns, as
// derived_versions records too) are read again at the next Migrate once the parser's version moves:
// version 1 never saw "DoVi" (reDV's hints missed it), so such a row said hdr HDR10 where the
// current parser says "DV HDR10". Fails while ReleaseParserVersion is still 1: the record says
// every row is current and Migrate reads none of them.
func TestMigrateRereadsRowsOfParserVersion1(t *testing.T) {
	const version1 = 1*100 + 2
	eachMode(t, func(t *testing.T, db *Database) {
		repo := NewTorrentRepository(db)
		const n = deriveBatch + 5
		var list []domain.Torrent
		for i := range n {
			list = append(list, newTorrent(t, i, func(tor *domain.Torrent) {
				tor.Name = fmt.Sprintf("Film.%03d.2023.2160p.WEB-DL.DoVi.HDR10.HEVC-GRP", i)
			}))
		}
		upsert(t, repo, list...)
		// As parser version 1 stored them.
		if _, err := db.batch(context.Background(), []Statement{
			{SQL: "UPDATE torrents SET release = json_set(release, '$.hdr', 'HDR10'), release_parser = ?", Params: []any{version1}},
			{SQL: "UPDATE derived_versions SET version = ? WHERE name = 'release'", Params: []any{version1}},
		}); err != nil {
			t.Fatal(err)
		}
		got, err := repo.Get(t.Context(), domain.TorrentRef{ID: n})
		if err != nil {
			t.Fatal(err)
		}
		if got.Release.HDR != "HDR10" {
			t.Fatalf("the row as version 1 stored it reads hdr %q", got.Release.HDR)
		}
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{1, n} {
			got, err := repo.Get(t.Context(), domain.TorrentRef{ID: id})
			if err != nil {
				t.Fatal(err)
			}
			if got.Release.HDR != "DV HDR10" || got.Release.Resolution != "2160p" || got.Release.Group != "GRP" {
				t.Errorf("row %d reads %+v after Migrate", id, got.Release)
			}
		}
		if stale := scalar(t, db, "SELECT count(*) FROM torrents WHERE release_parser <> ? OR release ->> '$.hdr' IS NOT 'DV HDR10'", releaseVersion); stale != 0 {
			t.Errorf("%d rows not read again", stale)
		}
		if v := scalar(t, db, "SELECT version FROM derived_versions WHERE name = 'release'"); v != releaseVersion {
			t.Errorf("derived_versions records %d, want %d", v, releaseVersion)
		}
	})
}
