package r1

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// checkExprs are the expressions of the CHECK constraints in a CREATE TABLE statement.
func checkExprs(t *testing.T, create string) []string {
	t.Helper()
	var out []string
	for _, loc := range regexp.MustCompile(`CHECK\s*\(`).FindAllStringIndex(create, -1) {
		depth, start := 1, loc[1]
		i := start
		for ; i < len(create) && depth > 0; i++ {
			switch create[i] {
			case '(':
				depth++
			case ')':
				depth--
			case '\'':
				i += strings.IndexByte(create[i+1:], '\'') + 1 // a quoted string, parentheses and all
			}
		}
		if depth != 0 {
			t.Fatalf("unbalanced CHECK in %q", create[loc[0]:])
		}
		out = append(out, create[start:i-1])
	}
	return out
}

// Every CHECK of the torrents table is one torrentChecks mirrors, and the other way round: a
// migration that adds a CHECK fails here until rowchecks.go keeps it too, since a bulk load stores
// its rows with SQLite's checks off.
func TestTorrentChecksAreMirrored(t *testing.T) {
	t.Parallel()
	db := openMigrated(t, LocalOptions{})
	res, err := db.query(context.Background(), Statement{SQL: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'torrents'"})
	if err != nil {
		t.Fatal(err)
	}
	schema := checkExprs(t, firstRow(res)["sql"].(string))
	var mirrored []string
	for _, c := range torrentChecks {
		mirrored = append(mirrored, c.sql)
	}
	slices.Sort(schema)
	slices.Sort(mirrored)
	if !slices.Equal(schema, mirrored) {
		t.Fatalf("the torrents table's CHECKs:\n%q\nrowchecks.go mirrors:\n%q", schema, mirrored)
	}
}

// checksBroken are torrents that break each CHECK of torrents that a domain.Torrent can reach (the
// others are written by this package: hashes, JSON, positive external ids), which Normalize would
// have refused: the store refuses them as field problems, in a bulk load as outside one.
var checksBroken = []struct {
	field  string
	mutate func(*domain.Torrent)
}{
	{"name", func(tor *domain.Torrent) { tor.Name = "" }},
	{"size", func(tor *domain.Torrent) { tor.Size = -1 }},
	{"seeders", func(tor *domain.Torrent) { tor.Seeders = -1 }},
	{"leechers", func(tor *domain.Torrent) { tor.Leechers = -1 }},
	{"imdbId", func(tor *domain.Torrent) { tor.External.IMDb = "nm0000206" }},
	{"imdbId", func(tor *domain.Torrent) { tor.External.IMDb = "tt" }},
	{"name", func(tor *domain.Torrent) { tor.Release.AirDate = "2024-1-05" }},
	{"name", func(tor *domain.Torrent) { tor.Release.AirDate = "3024-01-05" }},
	{"name", func(tor *domain.Torrent) { tor.Release.AirDate = "2024-21-05" }},
	{"name", func(tor *domain.Torrent) { tor.Release.AirDate = "2024-01-45" }},
	{"name", func(tor *domain.Torrent) { tor.Release.AirDate = "2024/01/05" }},
}

func TestABulkLoadRefusesWhatTheChecksWould(t *testing.T) {
	t.Parallel()
	for _, bulk := range []bool{true, false} {
		db := openMigrated(t, LocalOptions{})
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		if bulk {
			if began, err := NewBulkLoader(db).BeginBulkLoad(ctx); err != nil || !began {
				t.Fatalf("BeginBulkLoad: %v, %v", began, err)
			}
		}
		for k, c := range checksBroken {
			good := newTorrent(t, 1000+k)
			bad := newTorrent(t, 2000+k)
			c.mutate(&bad)
			_, err := repo.Upsert(ctx, []domain.Torrent{good, bad})
			var rejected *domain.RejectedItems
			if !errors.As(err, &rejected) || rejected.Problems[1].Field != c.field || len(rejected.Problems) != 1 {
				t.Fatalf("bulk %v, case %d: Upsert of a torrent SQLite's CHECKs refuse: %v; want its %s refused", bulk, k, err, c.field)
			}
		}
		upsert(t, repo, newTorrent(t, 1)) // the checks on again after a statement that wrote
		if n := scalar(t, db, "SELECT count(*) FROM torrents"); n != 1 {
			t.Fatalf("bulk %v: %d torrents stored; want only the one valid call's", bulk, n)
		}
		if bulk {
			if err := NewBulkLoader(db).FinishBulkLoad(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		expectChecked(t, db)
	}
}

// expectChecked fails unless every stored row keeps the schema's constraints (quick_check evaluates
// the CHECKs again) and the writer's connection checks them again.
func expectChecked(t *testing.T, db *Database) {
	t.Helper()
	ctx := context.Background()
	res, err := db.query(ctx, Statement{SQL: "PRAGMA quick_check"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || firstRow(res)["quick_check"] != "ok" {
		t.Fatalf("quick_check: %v", res.Rows)
	}
	_, err = db.batch(ctx, []Statement{{SQL: "UPDATE torrents SET seeders = -1"}})
	var conflict *domain.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("an update breaking a CHECK on the writer after the load: %v; want a conflict", err)
	}
}

// Torrents whose text JSON must escape (quotes, backslashes, control characters, U+2028, invalid
// UTF-8 in file paths and trackers, which encoding/json repairs) are stored by a bulk load with
// every CHECK kept: quick_check evaluates them on every row.
func TestABulkLoadWithChecksOffStoresOnlyRowsTheChecksKeep(t *testing.T) {
	t.Parallel()
	db := openMigrated(t, LocalOptions{})
	ctx := context.Background()
	if began, err := NewBulkLoader(db).BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("BeginBulkLoad: %v, %v", began, err)
	}
	hostile := []string{`a "quoted" \ path`, "tab\there\nnewline\x01\x1f", "line\u2028sep\u2029para", "bad \xff\xfe utf-8", `{"not":"json"}`, "[", "ünïcödé/日本語"}
	var batch []domain.Torrent
	for i := range 300 {
		// Past Normalize (which refuses control characters and invalid UTF-8 in paths), as a
		// caller of the store could send them.
		tor := bulkTorrent(t, i)
		h := hostile[i%len(hostile)]
		tor.Files = append(tor.Files, domain.File{Path: "dir/" + h, Size: int64(i)})
		tor.Trackers = append(tor.Trackers, "udp://"+h)
		tor.WebSeeds = []string{"https://seed.example/" + h}
		tor.Name += " " + strings.ToValidUTF8(h, "?")
		tor.Description = strings.ToValidUTF8(h, "")
		tor.Release.Title = strings.ToValidUTF8(h, "")
		if i%3 == 0 {
			tor.External.IMDb = "tt0133093"
			tor.External.TMDb = 603
			tor.External.TVDb = 81189
			tor.Release.AirDate = "2024-01-05"
		}
		if i%5 == 0 {
			tor.InfoHashV2 = domain.InfoHashV2{byte(i), 0xab}
		}
		batch = append(batch, tor)
	}
	upsert(t, NewTorrentRepository(db), batch...)
	upsert(t, NewTorrentRepository(db), batch[:100]...) // unchanged: the conflict's update path
	if err := NewBulkLoader(db).FinishBulkLoad(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := scalar(t, db, "SELECT count(*) FROM torrents WHERE release_air_date IS NOT NULL OR imdb_id IS NOT NULL"); n == 0 {
		t.Fatal("no row holds a checked external id or air date")
	}
	expectChecked(t, db)
}
