package r1

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// torrentColumns are the columns an upsert writes, each read with its type and bytes: created_at
// and updated_at (the clock's) left out.
const torrentColumns = `id, info_hash, info_hash_v2, name, name_key, size, category_id, seeders, leechers, uploaded_at,
description, files, trackers, web_seeds, imdb_id, tmdb_id, tvdb_id, release, release_year, release_season_min,
release_season_max, release_episode_min, release_episode_max, release_resolution, release_air_date, release_parser,
revision`

// storedRows is every torrent row of db, each column as its type and its bytes in hex.
func storedRows(t *testing.T, db *Database) []string {
	t.Helper()
	cols := strings.Split(strings.ReplaceAll(torrentColumns, "\n", " "), ",")
	for i, c := range cols {
		c = strings.TrimSpace(c)
		cols[i] = fmt.Sprintf("typeof(%s) || ':' || hex(%s)", c, c)
	}
	return rowsOf(t, db, "SELECT "+strings.Join(cols, " || ' ' || ")+" AS row FROM torrents ORDER BY id")
}

// variedTorrent is torrent i with a different mix of what a row holds: a v2 hash, external ids, a
// release name (seasons, episodes, a resolution, an air date), text that JSON escapes, no upload
// date (the ingest's time, kept on update), web seeds.
func variedTorrent(t *testing.T, i int, mutate ...func(*domain.Torrent)) domain.Torrent {
	names := []string{"Some Show S01E02 1080p WEB-DL", "A Film 1999 2160p", "Daily Show 2024.05.01 720p",
		"Anthology S02E01-E04", "plain name", "Été 東京 · tab\there"}
	return newTorrent(t, i, append([]func(*domain.Torrent){func(tor *domain.Torrent) {
		tor.Name = fmt.Sprintf("%s %d", names[i%len(names)], i)
		switch i % 4 {
		case 0:
			tor.InfoHashV2 = domain.InfoHashV2{byte(i), byte(i >> 8), 1}
		case 1:
			tor.External = domain.ExternalIDs{IMDb: fmt.Sprintf("tt%07d", 1000000+i), TMDb: int64(i + 1), TVDb: int64(i + 2)}
		case 2:
			tor.WebSeeds = []string{fmt.Sprintf("https://seed.example/%d/", i)}
		}
		if i%5 == 0 {
			tor.UploadedAt = time.Time{} // none: the ingest's
		}
		tor.Description = fmt.Sprintf("quote \" backslash \\ control \x01 line\u2028 %d", i)
		tor.Files = append(tor.Files, domain.File{Path: fmt.Sprintf("Été/東京 \"%d\".mkv", i), Size: int64(i)})
	}}, mutate...)...)
}

// A bulk load binds its rows (rowsBound) where the local engine otherwise sends them in JSONB and D1
// in JSON text: the three store the very same rows (every column, its type and its bytes) and
// answer the same outcomes, for new torrents, updates, unchanged ones, rows without an upload
// date, more rows than one bound statement holds (the last filled with rows that are skipped), a
// blocked hash, and a row whose text is not valid UTF-8 (sent as JSON text, which repairs it).
func TestABulkLoadsBoundRowsStoreWhatTheOtherFormsStore(t *testing.T) {
	ctx := context.Background()
	first := make([]domain.Torrent, 0, 2*upsertValuesRows+7)
	for i := range cap(first) {
		first = append(first, variedTorrent(t, i))
	}
	second := []domain.Torrent{variedTorrent(t, 3)} // unchanged
	for i := 10; i < 40; i++ {
		second = append(second, variedTorrent(t, i, func(tor *domain.Torrent) { tor.Seeders += 100; tor.Name += " v2" }))
	}
	for i := 1000; i < 1000+upsertValuesRows+1; i++ {
		second = append(second, variedTorrent(t, i))
	}
	second = append(second, variedTorrent(t, 7)) // blocked below
	// Not normalized after: an id whose text JSON repairs, which no bound statement carries as it is.
	badText := variedTorrent(t, 5000)
	badText.External.IMDb = "tt1234567\xff"

	if rows, _ := upsertRows(first, rowsBound); slices.ContainsFunc(rows, func(r upsertRow) bool { return r.params == nil }) {
		t.Fatal("a valid row has no bound form")
	}
	if rows, _ := upsertRows([]domain.Torrent{badText}, rowsBound); rows[0].params != nil || rows[0].json == nil {
		t.Fatal("a row of invalid UTF-8 is bound as it is")
	}

	type outcome struct {
		outcomes [][]domain.UpsertOutcome
		rows     []string
	}
	load := func(opts LocalOptions, bulk bool) outcome {
		db := openMigrated(t, opts)
		repo := NewTorrentRepository(db)
		loader := NewBulkLoader(db)
		if bulk {
			if began, err := loader.BeginBulkLoad(ctx); err != nil || !began {
				t.Fatalf("BeginBulkLoad: %v, %v", began, err)
			}
		}
		var out outcome
		out.outcomes = append(out.outcomes, upsert(t, repo, first...))
		if _, err := repo.TakeDown(ctx, []domain.InfoHash{hashOf(7)}); err != nil {
			t.Fatal(err)
		}
		out.outcomes = append(out.outcomes, upsert(t, repo, second...), upsert(t, repo, badText))
		if bulk {
			if err := loader.FinishBulkLoad(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		out.rows = storedRows(t, db)
		return out
	}
	text := load(LocalOptions{ParamsAsText: true}, false)
	jsonb := load(LocalOptions{}, false)
	bound := load(LocalOptions{}, true)
	// The first call's, the second's new ones and the third's, less the one taken down.
	if n, want := len(bound.rows), len(first)+(upsertValuesRows+1)+1-1; n != want {
		t.Errorf("%d rows stored, want %d", n, want)
	}
	if !strings.Contains(strings.Join(bound.rows, "\n"), fmt.Sprintf("%X", "tt1234567\uFFFD")) {
		t.Error("the invalid UTF-8 was not repaired as JSON text repairs it")
	}
	for name, got := range map[string]outcome{"JSONB": jsonb, "bound": bound} {
		if !reflect.DeepEqual(got.rows, text.rows) {
			for i := range min(len(got.rows), len(text.rows)) {
				if got.rows[i] != text.rows[i] {
					t.Errorf("%s: row %d differs from JSON text's:\n%s\n%s", name, i, got.rows[i], text.rows[i])
					break
				}
			}
			t.Errorf("%s: %d rows, JSON text %d", name, len(got.rows), len(text.rows))
		}
		if !reflect.DeepEqual(got.outcomes, text.outcomes) {
			t.Errorf("%s: outcomes differ from JSON text's:\n%+v\n%+v", name, got.outcomes, text.outcomes)
		}
	}
}

// A bound upsert runs on the local file only: D1, and the local engine standing for it, refuse it.
func TestABoundUpsertIsTheLocalFilesOnly(t *testing.T) {
	st := upsertValuesStatements([]upsertRow{{params: make([]any, upsertRowValues)}}, false)
	if len(st) != 1 || len(st[0].Params) != upsertValuesRows*upsertRowValues || !st[0].local {
		t.Fatalf("statements %d, parameters %d", len(st), len(st[0].Params))
	}
	db := openMigrated(t, LocalOptions{ParamsAsText: true})
	if _, err := db.batch(context.Background(), st); err == nil || !errors.Is(err, errLocalOnly) {
		t.Errorf("the engine standing for D1 ran a bound upsert: %v", err)
	}
	d1 := New(&d1Engine{})
	if _, err := d1.batch(context.Background(), st); err == nil || !errors.Is(err, errLocalOnly) {
		t.Errorf("D1 ran a bound upsert: %v", err)
	}
}
