package migration_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/postgres"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/contract"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// TestPostgresImportSource runs the ImportSource contract on PostgreSQL through a --map directory
// whose files and trackers are mappings of their own (files.sql, trackers.sql), keyed by a serial
// id: the keys then order as numbers, not as text.
func TestPostgresImportSource(t *testing.T) {
	pg := pgtest.Start(t)
	contract.RunImportSource(t, contract.ImportSourceHarness{
		Name: "postgres",
		New: func(t *testing.T, torrents []ports.SourceTorrent) ports.ImportSource {
			dsn := pg.CreateDatabase(t, "source")
			var sql strings.Builder
			sql.WriteString(`CREATE TABLE t (id serial PRIMARY KEY, hash text, name text, size bigint, category text);
CREATE TABLE f (torrent_id integer, path text, size bigint, n integer);
CREATE TABLE r (torrent_id integer, url text, tier integer);
`)
			for i, x := range torrents {
				fmt.Fprintf(&sql, "INSERT INTO t (hash, name, size, category) VALUES ('%s', '%s', %d, '%s');\n", x.InfoHash, x.Name, x.Size, x.Category)
				for j, file := range x.Files {
					fmt.Fprintf(&sql, "INSERT INTO f VALUES (%d, '%s', %d, %d);\n", i+1, file.Path, file.Size, j)
				}
				for j, u := range x.Trackers {
					fmt.Fprintf(&sql, "INSERT INTO r VALUES (%d, '%s', %d);\n", i+1, u, j)
				}
			}
			pgtest.Exec(t, dsn, sql.String())
			dir := t.TempDir()
			for name, text := range map[string]string{
				"torrents.sql": "SELECT id AS key, hash AS info_hash, name, size, category FROM t",
				"files.sql":    "SELECT torrent_id AS parent_key, path, size, n AS position FROM f",
				"trackers.sql": "SELECT torrent_id AS parent_key, url, tier AS position FROM r",
			} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			src, err := postgres.Open(context.Background(), dsn, nil, dir)
			if err != nil {
				t.Fatal(err)
			}
			return src
		},
	})
}

// TestPostgresListColumns reads a torrent's lists as each array type a mapping may return them in
// (text[] or varchar[]; bigint[], integer[] or smallint[]; NULL for none), and skips a row whose list
// holds a NULL, with its reason, instead of failing the run.
func TestPostgresListColumns(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "lists")
	pgtest.Exec(t, dsn, `CREATE TABLE t (k integer PRIMARY KEY, paths text[], vpaths varchar[], sizes bigint[], isizes integer[], ssizes smallint[], trackers varchar[]);
INSERT INTO t VALUES
  (1, '{a.mkv,b.mkv}', NULL, '{10,20}', NULL, NULL, '{udp://t.example:80/announce}'),
  (2, NULL, '{c.mkv,d.mkv}', NULL, '{30,40}', NULL, NULL),
  (3, '{e.mkv}', NULL, NULL, NULL, '{50}', NULL),
  (4, NULL, NULL, NULL, NULL, NULL, NULL),
  (5, '{f.mkv,NULL}', NULL, '{1,2}', NULL, NULL, NULL),
  (6, '{g.mkv}', NULL, '{NULL}', NULL, NULL, NULL),
  (7, '{h.mkv}', NULL, '{7}', NULL, NULL, '{NULL}');`)
	read := func(paths, sizes string) map[string]ports.SourceRecord {
		dir := t.TempDir()
		text := "SELECT k AS key, lpad(to_hex(k), 40, '0') AS info_hash, 'torrent ' || k AS name, " + paths + " AS file_paths, " +
			sizes + " AS file_sizes, trackers FROM t WHERE " + paths + " IS NOT NULL OR k = 4"
		if err := os.WriteFile(filepath.Join(dir, "torrents.sql"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := postgres.Open(context.Background(), dsn, nil, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		got := map[string]ports.SourceRecord{}
		if err := src.Read(context.Background(), ports.ImportTorrents, "", func(r ports.SourceRecord) error {
			got[r.Key] = r
			return nil
		}); err != nil {
			t.Fatalf("%s, %s: %v", paths, sizes, err)
		}
		return got
	}
	files := func(r ports.SourceRecord) string {
		if r.Torrent == nil {
			return "skipped: " + r.Problem
		}
		var out []string
		for _, f := range r.Torrent.Files {
			out = append(out, fmt.Sprintf("%s=%d", f.Path, f.Size))
		}
		return strings.Join(out, ",") + " " + strings.Join(r.Torrent.Trackers, ",")
	}
	for _, c := range []struct {
		paths, sizes string
		want         map[string]string
	}{
		{"paths", "sizes", map[string]string{
			"1": "a.mkv=10,b.mkv=20 udp://t.example:80/announce",
			"3": "skipped: file_paths: lists 1 paths for 0 sizes (file_sizes)",
			"4": " ",
			"5": "skipped: file_paths: holds a <nil>, not text",
			"6": "skipped: file_sizes: holds a <nil>, not a whole number",
			"7": "skipped: trackers: holds a <nil>, not text",
		}},
		{"vpaths", "isizes", map[string]string{"2": "c.mkv=30,d.mkv=40 ", "4": " "}},
		{"paths", "ssizes", map[string]string{
			"1": "skipped: file_paths: lists 2 paths for 0 sizes (file_sizes)",
			"3": "e.mkv=50 ",
			"4": " ",
			"5": "skipped: file_paths: holds a <nil>, not text",
			"6": "skipped: file_paths: lists 1 paths for 0 sizes (file_sizes)",
			"7": "skipped: trackers: holds a <nil>, not text",
		}},
	} {
		got := read(c.paths, c.sizes)
		if len(got) != len(c.want) {
			t.Errorf("%s, %s: read %d records, want %d", c.paths, c.sizes, len(got), len(c.want))
		}
		for key, want := range c.want {
			if g := files(got[key]); g != want {
				t.Errorf("%s, %s: torrent %s: %q, want %q", c.paths, c.sizes, key, g, want)
			}
		}
	}
}
