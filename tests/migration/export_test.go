package migration_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// appCatalog is a catalog as the previous app's Drizzle schema might keep it: the README's worked
// example of a mapping reads it.
const appCatalog = `
CREATE TABLE torrents (id serial PRIMARY KEY, info_hash text NOT NULL UNIQUE, name text NOT NULL, size bigint NOT NULL,
  category text, seeders integer NOT NULL DEFAULT 0, leechers integer NOT NULL DEFAULT 0,
  created_at timestamp NOT NULL DEFAULT now(), trackers text[], imdb text, mirrors text[]);
CREATE TABLE torrent_files (torrent_id integer NOT NULL REFERENCES torrents, path text NOT NULL, size bigint NOT NULL);
INSERT INTO torrents (info_hash, name, size, category, seeders, leechers, created_at, trackers, imdb, mirrors)
SELECT 'b' || lpad(to_hex(i), 39, '0'), 'Catalog entry ' || i, 300, (ARRAY['Movies', 'TV', 'Anime', 'Documentaries'])[1 + i % 4], i, i % 3,
       timestamp '2023-05-01' + i * interval '1 hour',
       ARRAY['udp://tracker.example.org:1337/announce', 'https://t' || i % 5 || '.example.net/announce'],
       'tt' || lpad((1000000 + i)::text, 7, '0'), ARRAY['https://mirror.example.org/' || i || '/']
FROM generate_series(1, 250) i;
INSERT INTO torrent_files (torrent_id, path, size) SELECT id, 'Entry ' || id || '/part' || p || '.bin', 100 FROM torrents, generate_series(1, 3) p;
`

// mapping is the README's worked example, word for word.
const mapping = `SELECT t.id AS key, t.info_hash, t.name, t.size, t.category, t.seeders, t.leechers,
       t.created_at AS uploaded_at, t.trackers,
       f.paths AS file_paths, f.sizes AS file_sizes
FROM torrents t
LEFT JOIN LATERAL (SELECT array_agg(path ORDER BY path) AS paths, array_agg(size ORDER BY path) AS sizes
                   FROM torrent_files WHERE torrent_id = t.id) f ON true
`

func TestAMappingImportsAndTheExportRoundTrips(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "app")
	pgtest.Exec(t, dsn, appCatalog)
	readme, err := os.ReadFile("../../README.md")
	if err != nil || !strings.Contains(string(readme), mapping) {
		t.Fatal("the README's worked example and this test's mapping must be the same text")
	}
	dir := t.TempDir()
	// The example, with the optional columns a catalog may also have: an IMDb id and web seeds.
	extended := strings.Replace(mapping, "t.trackers,", "t.trackers, t.imdb AS imdb_id, t.mirrors AS web_seeds,", 1)
	if err := os.WriteFile(filepath.Join(dir, "torrents.sql"), []byte(extended), 0o644); err != nil {
		t.Fatal(err)
	}
	first := config(t)
	r := importFrom(t, first, dsn, bootstrap.ImportOptions{MapDir: dir})
	if tr := kind(t, r, ports.ImportTorrents); tr.Created != 250 || tr.Skipped != 0 {
		t.Fatalf("mapping import: %+v", tr)
	}

	var out bytes.Buffer
	n, err := bootstrap.Export(context.Background(), first, quiet, &out)
	if err != nil || n != 250 {
		t.Fatalf("export: %d, %v", n, err)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 250 || !strings.Contains(out.String(), `"trackers":["udp://tracker.example.org:1337/announce"`) ||
		!strings.Contains(out.String(), `"imdbId":"tt1000007"`) || !strings.Contains(out.String(), `"webSeeds":["https://mirror.example.org/7/"]`) {
		t.Fatalf("export: %d lines; first: %.300s", lines, out.String())
	}
	file := filepath.Join(t.TempDir(), "catalog.ndjson")
	if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	second := config(t)
	r = importFrom(t, second, file, bootstrap.ImportOptions{})
	if tr := kind(t, r, ports.ImportTorrents); tr.Created != 250 || tr.Skipped != 0 {
		t.Fatalf("NDJSON import: %+v", tr)
	}
	if a, b := dump(t, first.DatabasePath()), dump(t, second.DatabasePath()); a != b {
		t.Fatalf("the round trip changed the catalog:\n%.2000s\n----\n%.2000s", a, b)
	}
	// And again: the same file creates nothing.
	r = importFrom(t, second, file, bootstrap.ImportOptions{})
	if tr := kind(t, r, ports.ImportTorrents); tr.Created != 0 || tr.Updated != 0 || tr.Unchanged != 250 {
		t.Fatalf("second NDJSON import: %+v", tr)
	}
}
