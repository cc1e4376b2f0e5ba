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
