package migration_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/torrent-streamer/streamer/adapters/postgres"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// mapDir writes mapping files into a new directory.
func mapDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// readAll reads a kind's records after a key and describes each torrent: its key, name,
// category, seeders, files and trackers, or why it was skipped.
func readAll(t *testing.T, src ports.ImportSource, after string) []string {
	t.Helper()
	var out []string
	if err := src.Read(context.Background(), ports.ImportTorrents, after, func(r ports.SourceRecord) error {
		if r.Torrent == nil {
			out = append(out, r.Key+" skipped: "+r.Problem)
			return nil
		}
		var files []string
		for _, f := range r.Torrent.Files {
			files = append(files, fmt.Sprintf("%s=%d", f.Path, f.Size))
		}
		out = append(out, fmt.Sprintf("%s %s %s %d [%s] [%s]", r.Key, r.Torrent.Name, r.Torrent.Category, r.Torrent.Seeders,
			strings.Join(files, " "), strings.Join(r.Torrent.Trackers, " ")))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestChildMappingsMergeByTextKeysInAnyCollation reads torrents keyed by text in a collation whose
// order is not the bytes' (ICU's English: '_x', 'a', 'B', 'c', 'D', 'é', where bytes give 'B', 'D',
// '_x', 'a', 'c', 'é'), with their files, trackers and a part (torrents.stats.sql) as streams of
// their own: every torrent gets exactly its own children, including after a resumed read's key,
// whatever order the database's collation would give. Children without a torrent are passed over.
func TestChildMappingsMergeByTextKeysInAnyCollation(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "collation")
	pgtest.Exec(t, dsn, `
CREATE TABLE t (id text COLLATE "en-x-icu" PRIMARY KEY, name text NOT NULL);
CREATE TABLE f (torrent_id text COLLATE "en-x-icu", n integer, path text, size bigint);
CREATE TABLE r (torrent_id text COLLATE "en-x-icu", url text);
CREATE TABLE s (torrent_id text COLLATE "en-x-icu", seeders integer, kind text);
INSERT INTO t SELECT id, 'torrent ' || id FROM unnest(ARRAY['a', 'B', 'c', 'D', '_x', 'é']) id;
INSERT INTO f SELECT id, n, id || '/file' || n, n * 10 FROM t, generate_series(1, 3) n;
INSERT INTO f VALUES ('A', 1, 'orphan', 1), ('b', 1, 'orphan', 1), ('zz', 1, 'orphan', 1);
INSERT INTO r SELECT id, 'udp://tracker.example:80/' || id FROM t WHERE id <> 'c';
INSERT INTO s SELECT id, ascii(id), CASE WHEN id IN ('a', 'D') THEN 'movies' END FROM t;
INSERT INTO s VALUES ('B', 999, 'games'); -- a second row of B's: the first (by position) counts
`)
	var icu, bytewise string
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(id, ' ' ORDER BY id), string_agg(id, ' ' ORDER BY id COLLATE "C") FROM t`).Scan(&icu, &bytewise); err != nil {
		t.Fatal(err)
	}
	if icu == bytewise {
		t.Fatalf("the collation orders the keys as their bytes do (%s): the test would not test it", icu)
	}
	src, err := postgres.Open(context.Background(), dsn, nil, mapDir(t, map[string]string{
		"torrents.sql":       `SELECT id AS key, lpad(to_hex(ascii(id)), 40, '0') AS info_hash, name, 60 AS size, 'other' AS category FROM t`,
		"files.sql":          `SELECT torrent_id AS parent_key, path, size, n AS position FROM f`,
		"trackers.sql":       `SELECT torrent_id AS parent_key, url FROM r`,
		"torrents.stats.sql": `SELECT torrent_id AS parent_key, seeders, kind AS category, seeders AS position FROM s`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := []string{
		// B's stats rows by position: 66 with no kind, then 999 with one: only the first counts.
		"B torrent B other 66 [B/file1=10 B/file2=20 B/file3=30] [udp://tracker.example:80/B]",
		"D torrent D movies 68 [D/file1=10 D/file2=20 D/file3=30] [udp://tracker.example:80/D]",
		"_x torrent _x other 95 [_x/file1=10 _x/file2=20 _x/file3=30] [udp://tracker.example:80/_x]",
		"a torrent a movies 97 [a/file1=10 a/file2=20 a/file3=30] [udp://tracker.example:80/a]",
		"c torrent c other 99 [c/file1=10 c/file2=20 c/file3=30] []",
		"é torrent é other 233 [é/file1=10 é/file2=20 é/file3=30] [udp://tracker.example:80/é]",
	}
	if got := readAll(t, src, ""); !slices.Equal(got, want) {
		t.Errorf("read:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := readAll(t, src, "_x"); !slices.Equal(got, want[3:]) {
		t.Errorf("read after _x:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want[3:], "\n"))
	}
}

// TestChildMappingsThatCannotBeMergedAreRefused: a child mapping whose parent_key is not the
// kind of type its parent's key is, a parent key the merge cannot compare, a part giving a column
// that is not the kind's, two children giving the same column, and a list column of the wrong type
// each stop Open with a message naming the file; nothing is read.
func TestChildMappingsThatCannotBeMergedAreRefused(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "refused")
	pgtest.Exec(t, dsn, `CREATE TABLE t (id integer PRIMARY KEY, u uuid, name text);
CREATE TABLE f (torrent_id integer, path text, size numeric);`)
	torrents := `SELECT id AS key, lpad(to_hex(id), 40, '0') AS info_hash, name FROM t`
	for _, c := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"torrents.sql": torrents, "files.sql": `SELECT torrent_id::text AS parent_key, path, 1 AS size FROM f`},
			"files mapping: its parent_key is text and the torrents mapping's key integer"},
		{map[string]string{"torrents.sql": `SELECT id::numeric AS key, lpad(to_hex(id), 40, '0') AS info_hash, name FROM t`, "files.sql": `SELECT torrent_id AS parent_key, path, 1 AS size FROM f`},
			"torrents mapping: its key is numeric; with child mappings (files.sql) the key must be"},
		{map[string]string{"torrents.sql": torrents, "torrents.extra.sql": `SELECT id AS parent_key, name AS title FROM t`},
			`torrents.extra mapping: it returns "title", which is not one of the torrents columns it may give`},
		{map[string]string{"torrents.sql": torrents, "torrents.a.sql": `SELECT id AS parent_key, 1 AS seeders FROM t`, "torrents.b.sql": `SELECT id AS parent_key, 2 AS seeders FROM t`},
			`torrents.b mapping: it gives "seeders", and torrents.a.sql gives it too: keep one`},
		{map[string]string{"torrents.sql": torrents, "files.sql": `SELECT torrent_id AS parent_key, path, size FROM f`},
			`files mapping: its "size" is not a whole number (smallint, integer or bigint): cast it (size::bigint)`},
		{map[string]string{"torrents.sql": torrents, "torrents.files.sql": `SELECT torrent_id AS parent_key, ARRAY[path] AS file_paths FROM f`, "files.sql": `SELECT torrent_id AS parent_key, path, 1 AS size FROM f`},
			`torrents.files mapping: it gives "file_paths", and files.sql gives it too: keep one`},
		{map[string]string{"torrents.sql": torrents, "torrents.Extra.sql": `SELECT id AS parent_key, 1 AS seeders FROM t`},
			"--map: torrents.Extra.sql: no such kind"},
		{map[string]string{"users.extra.sql": `SELECT id AS parent_key, name FROM t`},
			"users.extra mapping: it needs a users mapping to belong to"},
	} {
		_, err := postgres.Open(context.Background(), dsn, nil, mapDir(t, c.files))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: Open = %v, want %q", c.files, err, c.want)
		}
	}
}

// TestAListOverItsBoundSkipsItsParent: a torrent whose files.sql gives more rows than ingest takes
// files is skipped and reported, without the reader holding them all; the torrents around it come.
func TestAListOverItsBoundSkipsItsParent(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "bound")
	pgtest.Exec(t, dsn, `CREATE TABLE t (id integer PRIMARY KEY, name text);
INSERT INTO t VALUES (1, 'one'), (2, 'many'), (3, 'three');
CREATE TABLE f (torrent_id integer, path text, size bigint);
INSERT INTO f SELECT 2, 'f' || n, 1 FROM generate_series(1, 10001) n;
INSERT INTO f VALUES (1, 'a', 5), (3, 'c', 7);`)
	src, err := postgres.Open(context.Background(), dsn, nil, mapDir(t, map[string]string{
		"torrents.sql": `SELECT id AS key, lpad(to_hex(id), 40, '0') AS info_hash, name FROM t`,
		"files.sql":    `SELECT torrent_id AS parent_key, path, size FROM f`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := []string{
		"1 one  0 [a=5] []",
		"2 skipped: file_paths: files.sql gives 10001 rows for it, more than 10000",
		"3 three  0 [c=7] []",
	}
	if got := readAll(t, src, ""); !slices.Equal(got, want) {
		t.Errorf("read:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
