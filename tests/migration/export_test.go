package migration_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// appCatalog is a catalog as the previous app's Drizzle schema might keep it, beside Better Auth's
// tables: the README's worked example of a mapping reads it. Category 'tv' is renamed there, and three
// activities are not imported: one older than the retention, one of an invalid email, one of a user
// the import skips (its password hash is malformed).
const appCatalog = `
CREATE TABLE categories (id serial PRIMARY KEY, slug text NOT NULL UNIQUE, name text NOT NULL);
INSERT INTO categories (slug, name) VALUES ('movies', 'Movies'), ('tv', 'Television'), ('anime', 'Anime'), ('documentaries', 'Documentaries');
CREATE TABLE torrents (id serial PRIMARY KEY, info_hash text NOT NULL UNIQUE, name text NOT NULL, size bigint NOT NULL,
  category_id integer REFERENCES categories, seeders integer NOT NULL DEFAULT 0, leechers integer NOT NULL DEFAULT 0,
  created_at timestamp NOT NULL DEFAULT now(), imdb text, mirrors text[]);
CREATE TABLE torrent_files (torrent_id integer NOT NULL REFERENCES torrents, path text NOT NULL, size bigint NOT NULL);
CREATE TABLE torrent_trackers (torrent_id integer NOT NULL REFERENCES torrents, url text NOT NULL, tier integer NOT NULL);
CREATE TABLE activities (id serial PRIMARY KEY, user_id text NOT NULL REFERENCES "user", type text NOT NULL,
  torrent_id integer REFERENCES torrents, query text, created_at timestamp NOT NULL);
INSERT INTO torrents (info_hash, name, size, category_id, seeders, leechers, created_at, imdb, mirrors)
SELECT 'b' || lpad(to_hex(i), 39, '0'), 'Catalog entry ' || i, 300, 1 + i % 4, i, i % 3,
       timestamp '2023-05-01' + i * interval '1 hour',
       'tt' || lpad((1000000 + i)::text, 7, '0'), ARRAY['https://mirror.example.org/' || i || '/']
FROM generate_series(1, 250) i;
INSERT INTO torrent_files (torrent_id, path, size) SELECT id, 'Entry ' || id || '/part' || p || '.bin', 100 FROM torrents, generate_series(1, 3) p;
INSERT INTO torrent_trackers (torrent_id, url, tier)
SELECT id, 'https://t' || id % 5 || '.example.net/announce', 1 FROM torrents
UNION ALL SELECT id, 'udp://tracker.example.org:1337/announce', 0 FROM torrents;
INSERT INTO activities (user_id, type, torrent_id, query, created_at) VALUES
  ('app-1', 'view', 7, NULL, now() - interval '2 days'),
  ('app-1', 'search', NULL, 'catalog entry', now() - interval '1 day'),
  ('app-1', 'view', 8, NULL, now() - interval '400 days'),
  ('app-3', 'search', NULL, 'invalid email', now()),
  ('app-4', 'search', NULL, 'user not imported', now());
`

// mapping is the README's worked example, word for word: one file per kind.
const mapping = `-- mappings/categories.sql
SELECT c.id AS key, c.slug, c.name
FROM categories c

-- mappings/torrents.sql
SELECT t.id AS key, t.info_hash, t.name, t.size, c.slug AS category, t.seeders, t.leechers,
       t.created_at AS uploaded_at
FROM torrents t
LEFT JOIN categories c ON c.id = t.category_id

-- mappings/files.sql
SELECT f.torrent_id AS parent_key, f.path, f.size
FROM torrent_files f

-- mappings/trackers.sql
SELECT r.torrent_id AS parent_key, r.url, r.tier AS position
FROM torrent_trackers r

-- mappings/activities.sql
SELECT a.id AS key, u.email AS user_email, a.type, t.info_hash, a.query, a.created_at
FROM activities a
JOIN "user" u ON u.id = a.user_id
LEFT JOIN torrents t ON t.id = a.torrent_id
`

// writeMapping writes the README's example into dir, one file per "-- mappings/NAME" section;
// extend may change a file's text.
func writeMapping(t *testing.T, dir string, extend func(name, text string) string) {
	t.Helper()
	for _, section := range strings.Split(mapping, "-- mappings/")[1:] {
		name, text, _ := strings.Cut(section, "\n")
		if err := os.WriteFile(filepath.Join(dir, name), []byte(extend(name, text)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAMappingImportsAndTheExportRoundTrips(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "app")
	pgtest.Exec(t, dsn, pgtest.BetterAuthSchema(false)+pgtest.BetterAuthRows("app", false)+appCatalog)
	readme, err := os.ReadFile("../../README.md")
	if err != nil || !strings.Contains(string(readme), mapping) {
		t.Fatal("the README's worked example and this test's mapping must be the same text")
	}
	dir := t.TempDir()
	// The example, with the optional columns a catalog may also have: an IMDb id and web seeds.
	writeMapping(t, dir, func(name, text string) string {
		return strings.Replace(text, "t.created_at AS uploaded_at", "t.created_at AS uploaded_at, t.imdb AS imdb_id, t.mirrors AS web_seeds", 1)
	})
	first := config(t)
	r := importFrom(t, first, dsn, bootstrap.ImportOptions{MapDir: dir, Presets: []string{"better-auth"}})
	if tr := kind(t, r, ports.ImportTorrents); tr.Created != 250 || tr.Skipped != 0 {
		t.Fatalf("mapping import: %+v", tr)
	}
	if c := kind(t, r, ports.ImportCategories); c.Read != 4 || c.Created != 1 || c.Updated != 1 || c.Unchanged != 2 {
		t.Fatalf("categories: %+v, want documentaries created, tv renamed, movies and anime as they were", c)
	}
	if got := column(t, first, "SELECT group_concat(slug || '=' || name || '/' || torrent_count, ' ') FROM (SELECT * FROM categories WHERE torrent_count > 0 ORDER BY slug)"); got != "anime=Anime/63 documentaries=Documentaries/62 movies=Movies/62 tv=Television/63" {
		t.Fatalf("categories after the import: %s", got)
	}
	a := kind(t, r, ports.ImportActivities)
	if reasons := fmt.Sprint(a.Reasons); a.Read != 5 || a.Created != 2 || a.Skipped != 3 || !strings.Contains(reasons, "retention") ||
		!strings.Contains(reasons, "email") || !strings.Contains(reasons, "no such user") {
		t.Fatalf("activities: %+v", a)
	}
	if got := column(t, first, "SELECT group_concat(type || ':' || coalesce(torrent_id, 0) || ':' || coalesce(info_hash, '') || ':' || query, ' ') FROM (SELECT * FROM activities ORDER BY id)"); got != "view:7:b000000000000000000000000000000000000007: search:0::catalog entry" {
		t.Fatalf("activities stored: %s", got)
	}
	if got := column(t, first, "SELECT trackers FROM torrents WHERE info_hash = 'b000000000000000000000000000000000000007'"); got != `["udp://tracker.example.org:1337/announce","https://t2.example.net/announce"]` {
		t.Fatalf("trackers in their tier order: %s", got)
	}
	// Again, from the mapping: nothing new, nothing changed.
	r = importFrom(t, first, dsn, bootstrap.ImportOptions{MapDir: dir, Presets: []string{"better-auth"}})
	for _, k := range r.Kinds {
		if k.Created != 0 || k.Updated != 0 || k.Unchanged != k.Read-k.Skipped {
			t.Fatalf("a second run of the mapping, %s: %+v", k.Kind, k)
		}
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
	if a, b := catalogDump(t, first), catalogDump(t, second); a != b {
		t.Fatalf("the round trip changed the catalog:\n%s\n----\n%s", a[len(a)-300:], b[len(b)-300:])
	}
	// And again: the same file creates nothing.
	r = importFrom(t, second, file, bootstrap.ImportOptions{})
	if tr := kind(t, r, ports.ImportTorrents); tr.Created != 0 || tr.Updated != 0 || tr.Unchanged != 250 {
		t.Fatalf("second NDJSON import: %+v", tr)
	}
}

// catalogDump is what an export carries: dump's torrents, and the categories' slugs and counts (a
// torrent names its category by slug there; the display names, and users and sessions, do not
// travel).
func catalogDump(t *testing.T, cfg bootstrap.Config) string {
	sections := strings.Split(dump(t, cfg.DatabasePath()), "--\n")
	return sections[2] + column(t, cfg, "SELECT group_concat(id || slug || torrent_count, ' ') FROM (SELECT * FROM categories ORDER BY id)")
}
