package pgtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// BetterAuthHash is Better Auth's stored hash of "correcthorsebatterystaple".
const BetterAuthHash = "000102030405060708090a0b0c0d0e0f:93e156489eaa28684386cfd7355eed068748076664a0b2b501a7e4ea2cc8f0e776a5ac229d6f160f48841a5eaa605ee2531c4f50ce952f6df5cd2b580cf3f36c"

// BetterAuthSchema is the Drizzle generator's output for Better Auth's user, session and account
// tables, in snake_case (camel false) or camelCase column names.
func BetterAuthSchema(camel bool) string {
	c := func(snake string) string {
		if !camel {
			return `"` + snake + `"`
		}
		parts := strings.Split(snake, "_")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		return `"` + strings.Join(parts, "") + `"`
	}
	return fmt.Sprintf(`
CREATE TABLE "user" (id text PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, %s boolean NOT NULL DEFAULT false,
  image text, %s timestamp NOT NULL DEFAULT now(), %s timestamp NOT NULL DEFAULT now());
CREATE TABLE session (id text PRIMARY KEY, %s timestamp NOT NULL, token text NOT NULL UNIQUE,
  %s timestamp NOT NULL DEFAULT now(), %s timestamp NOT NULL DEFAULT now(), %s text, %s text,
  %s text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE);
CREATE TABLE account (id text PRIMARY KEY, %s text NOT NULL, %s text NOT NULL, %s text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  %s text, %s text, %s text, %s timestamp, %s timestamp, scope text, password text,
  %s timestamp NOT NULL DEFAULT now(), %s timestamp NOT NULL DEFAULT now());
`, c("email_verified"), c("created_at"), c("updated_at"),
		c("expires_at"), c("created_at"), c("updated_at"), c("ip_address"), c("user_agent"), c("user_id"),
		c("account_id"), c("provider_id"), c("user_id"), c("access_token"), c("refresh_token"), c("id_token"),
		c("access_token_expires_at"), c("refresh_token_expires_at"), c("created_at"), c("updated_at"))
}

// BetterAuthRows seeds users (prefix keeps the two databases' emails apart): one with a password,
// one OAuth-only, one with an invalid email, one with a malformed hash; sessions: a live one of the
// password user, an expired one, one of the invalid user.
func BetterAuthRows(prefix string, camel bool) string {
	col := func(snake, camelName string) string {
		if camel {
			return `"` + camelName + `"`
		}
		return snake
	}
	return fmt.Sprintf(`
INSERT INTO "user" (id, name, email) VALUES
  ('%[1]s-1', 'Ada', '%[1]s.ada@example.com'),
  ('%[1]s-2', 'Oauth Only', '%[1]s.oauth@example.com'),
  ('%[1]s-3', 'Bad Email', 'not an email'),
  ('%[1]s-4', '', '%[1]s.badhash@example.com');
INSERT INTO account (id, %[2]s, %[3]s, %[4]s, password, %[5]s) VALUES
  ('%[1]s-a1', '%[1]s-1', 'credential', '%[1]s-1', '%[6]s', now()),
  ('%[1]s-a2', 'gh-123', 'github', '%[1]s-2', NULL, now()),
  ('%[1]s-a3', '%[1]s-3', 'credential', '%[1]s-3', '%[6]s', now()),
  ('%[1]s-a4', '%[1]s-4', 'credential', '%[1]s-4', 'deadbeef:not-a-key', now());
INSERT INTO session (id, token, %[4]s, %[7]s, %[8]s) VALUES
  ('%[1]s-s1', '%[1]s-live-token-0123456789abcdef', '%[1]s-1', now() + interval '7 days', now()),
  ('%[1]s-s2', '%[1]s-old-token-0123456789abcdef', '%[1]s-1', now() - interval '1 day', now() - interval '8 days'),
  ('%[1]s-s3', '%[1]s-orphan-token-0123456789abc', '%[1]s-3', now() + interval '7 days', now());
`, prefix, col("account_id", "accountId"), col("provider_id", "providerId"), col("user_id", "userId"),
		col("updated_at", "updatedAt"), BetterAuthHash, col("expires_at", "expiresAt"), col("created_at", "createdAt"))
}

// BitmagnetSchema is the part of bitmagnet's schema (its migrations 00001, 00002 and 00016) the
// preset reads (content_attributes without its foreign keys), with its real names, types and the indexes the preset's lookups by info hash use.
const BitmagnetSchema = `
CREATE TYPE "FilesStatus" AS ENUM ('no_info', 'single', 'multi', 'over_threshold');
CREATE TABLE torrent_sources (key text PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO torrent_sources VALUES ('dht', 'DHT', now(), now());
CREATE TABLE torrents (
  info_hash bytea NOT NULL PRIMARY KEY, name text NOT NULL, size bigint NOT NULL, private boolean NOT NULL,
  piece_length bigint, pieces bytea, files_status "FilesStatus" NOT NULL DEFAULT 'no_info', files_count integer,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE torrents_torrent_sources (
  source text NOT NULL REFERENCES torrent_sources ON DELETE CASCADE, info_hash bytea NOT NULL REFERENCES torrents ON DELETE CASCADE,
  import_id text, bfsd bytea, bfpe bytea, seeders integer, leechers integer, published_at timestamptz,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, PRIMARY KEY (source, info_hash));
CREATE TABLE torrent_files (
  info_hash bytea NOT NULL REFERENCES torrents ON DELETE CASCADE, index integer NOT NULL, path text NOT NULL, size bigint NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, PRIMARY KEY (info_hash, path), UNIQUE (info_hash, index));
CREATE TABLE torrent_contents (
  id text PRIMARY KEY GENERATED ALWAYS AS (encode(info_hash, 'hex') || ':' || coalesce(content_type, '?') || ':' || coalesce(content_source, '?') || ':' || coalesce(content_id, '?')) STORED,
  info_hash bytea NOT NULL REFERENCES torrents ON DELETE CASCADE, content_type text, content_source text, content_id text,
  title text NOT NULL, search_string text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
  UNIQUE (info_hash, content_type, content_source, content_id));
CREATE TABLE content_attributes (
  content_type text NOT NULL, content_source text NOT NULL, content_id text NOT NULL, source text NOT NULL, key text NOT NULL,
  value text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
  PRIMARY KEY (content_type, content_source, content_id, source, key));
CREATE INDEX ON torrents_torrent_sources (info_hash);
`

// BitmagnetRows makes n good torrents (i from 1), every fifth with three files, the others single
// files, with content types cycling through bitmagnet's, plus the bad ones: no name, files that
// do not sum to the size, an info hash of the wrong length.
func BitmagnetRows(n int) string {
	return fmt.Sprintf(`
INSERT INTO torrents (info_hash, name, size, private, files_status, created_at, updated_at)
SELECT decode(lpad(to_hex(i), 40, '0'), 'hex'), 'Torrent number ' || i || CASE WHEN i %% 5 = 0 THEN ' Pack' ELSE '.mkv' END,
       CASE WHEN i %% 5 = 0 THEN 600 ELSE 1000 + i END, false,
       CASE WHEN i %% 5 = 0 THEN 'multi' ELSE 'single' END::"FilesStatus", now() - interval '1 day', now()
FROM generate_series(1, %[1]d) i;
INSERT INTO torrent_files (info_hash, index, path, size, created_at, updated_at)
SELECT decode(lpad(to_hex(i), 40, '0'), 'hex'), f, 'Pack ' || i || '/episode' || (2 - f) || '.mkv', 200, now(), now()
FROM generate_series(5, %[1]d, 5) i, generate_series(0, 2) f; -- bitmagnet's order (index) is not the paths' order
INSERT INTO torrents_torrent_sources (source, info_hash, seeders, leechers, published_at, created_at, updated_at)
SELECT 'dht', decode(lpad(to_hex(i), 40, '0'), 'hex'), i %% 50, i %% 7, timestamptz '2024-01-01' + i * interval '1 minute', now(), now()
FROM generate_series(1, %[1]d) i;
INSERT INTO torrent_contents (info_hash, content_type, content_source, content_id, title, search_string, created_at, updated_at)
SELECT decode(lpad(to_hex(i), 40, '0'), 'hex'),
       (ARRAY['movie', 'tv_show', 'music', 'audiobook', 'ebook', 'comic', 'game', 'software', 'xxx'])[1 + i %% 9],
       CASE i %% 9 WHEN 0 THEN 'tmdb' WHEN 1 THEN 'tmdb' END, CASE i %% 9 WHEN 0 THEN (100 + i)::text WHEN 1 THEN (200 + i)::text END,
       't', 't', now(), now()
FROM generate_series(1, %[1]d) i;
-- External ids: a movie (i %% 9 = 0) is TMDB's with its IMDb id as an attribute (every other one
-- malformed, so left out); a TV show (i %% 9 = 1) is TMDB's with its TVDB id; torrent 2 is IMDb's own.
INSERT INTO content_attributes (content_type, content_source, content_id, source, key, value, created_at, updated_at)
SELECT 'movie', 'tmdb', (100 + i)::text, 'imdb', 'id', CASE WHEN i %% 2 = 0 THEN 'tt' || lpad(i::text, 7, '0') ELSE 'nm' || i END, now(), now()
FROM generate_series(9, %[1]d, 9) i
UNION ALL
SELECT 'tv_show', 'tmdb', (200 + i)::text, 'tvdb', 'id', (300 + i)::text, now(), now()
FROM generate_series(1, %[1]d, 9) i
UNION ALL
SELECT 'movie', 'tmdb', (100 + i)::text, 'tmdb', 'poster_path', '/poster.jpg', now(), now()
FROM generate_series(9, %[1]d, 9) i;
UPDATE torrent_contents SET content_source = 'imdb', content_id = 'tt0000002' WHERE info_hash = decode(lpad(to_hex(2), 40, '0'), 'hex');
-- the bad rows
INSERT INTO torrents (info_hash, name, size, private, files_status, created_at, updated_at) VALUES
  (decode('ff00000000000000000000000000000000000001', 'hex'), '   ', 10, false, 'single', now(), now()),
  (decode('ff00000000000000000000000000000000000002', 'hex'), 'Files that do not add up', 999, false, 'multi', now(), now()),
  (decode('ff000000000000000000000000000000000003', 'hex'), 'Short hash', 10, false, 'single', now(), now());
INSERT INTO torrent_files (info_hash, index, path, size, created_at, updated_at) VALUES
  (decode('ff00000000000000000000000000000000000002', 'hex'), 0, 'a.bin', 1, now(), now()),
  (decode('ff00000000000000000000000000000000000002', 'hex'), 1, 'b.bin', 2, now(), now());
`, n)
}

// SignedCookie is Better Auth's cookie value for token.
func SignedCookie(token, key string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(token))
	return url.QueryEscape(token + "." + base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

// BitmagnetBulk makes n torrents of files files each (all good), with a source and a content type
// each, entirely inside PostgreSQL (generate_series), for measurements at scale.
func BitmagnetBulk(n, files int) string {
	return fmt.Sprintf(`
INSERT INTO torrents (info_hash, name, size, private, files_status, files_count, created_at, updated_at)
SELECT decode(md5(i::text) || lpad(to_hex(i), 8, '0'), 'hex'),
       'Bulk.Release.' || i || '.S0' || (1 + i %% 9) || '.1080p.WEB-DL.x264-GROUP' || (i %% 97),
       %[2]d::bigint * (1048576 + i), false, 'multi', %[2]d, now() - interval '1 day', now()
FROM generate_series(1, %[1]d) i;
INSERT INTO torrent_files (info_hash, index, path, size, created_at, updated_at)
SELECT decode(md5(i::text) || lpad(to_hex(i), 8, '0'), 'hex'), f,
       'Bulk.Release.' || i || '/Episode.' || lpad(f::text, 2, '0') || '.1080p.mkv', 1048576 + i, now(), now()
-- A torrent's files together, as bitmagnet writes them (the lateral reference to i keeps i the
-- outer loop; a plain cross join may be planned the other way round, every torrent's files then on
-- as many pages as it has files).
FROM generate_series(1, %[1]d) i CROSS JOIN LATERAL generate_series(0 * i, %[2]d - 1) f;
INSERT INTO torrents_torrent_sources (source, info_hash, seeders, leechers, published_at, created_at, updated_at)
SELECT 'dht', decode(md5(i::text) || lpad(to_hex(i), 8, '0'), 'hex'), i %% 500, i %% 70,
       timestamptz '2020-01-01' + i * interval '1 minute', now(), now()
FROM generate_series(1, %[1]d) i;
INSERT INTO torrent_contents (info_hash, content_type, content_source, content_id, title, search_string, created_at, updated_at)
SELECT decode(md5(i::text) || lpad(to_hex(i), 8, '0'), 'hex'),
       (ARRAY['movie', 'tv_show', 'music', 'audiobook', 'ebook', 'comic', 'game', 'software', 'xxx'])[1 + i %% 9],
       CASE WHEN i %% 9 < 2 THEN 'tmdb' END, CASE WHEN i %% 9 < 2 THEN (i / 9)::text END, 't', 't', now(), now()
FROM generate_series(1, %[1]d) i;
INSERT INTO content_attributes (content_type, content_source, content_id, source, key, value, created_at, updated_at)
SELECT (ARRAY['movie', 'tv_show'])[1 + i %% 9], 'tmdb', (i / 9)::text, 'imdb', 'id', 'tt' || lpad((i / 9 + 1)::text, 7, '0'), now(), now()
FROM generate_series(1, %[1]d) i WHERE i %% 9 < 2;
ANALYZE;
`, n, files)
}
