-- Migration number: 0001 	 The catalog: categories, torrents, full-text search.
--
-- Written for D1 and the local engine alike, and applied by `wrangler d1 migrations apply` as well
-- as by the service. STRICT tables make SQLite check every column's type; numbers bound as text (as
-- D1's REST API sends them) are still stored as integers, because STRICT converts lossless text.

CREATE TABLE categories (
    id            INTEGER PRIMARY KEY,
    slug          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    -- Kept exact by the triggers below, so listing categories never counts torrents.
    torrent_count INTEGER NOT NULL DEFAULT 0 CHECK (torrent_count >= 0)
) STRICT;

CREATE TABLE torrents (
    -- AUTOINCREMENT: an id is never reused, so a details page cached by id can never show another
    -- torrent.
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    info_hash    TEXT    NOT NULL UNIQUE
                 CHECK (length(info_hash) = 40 AND info_hash NOT GLOB '*[^0-9a-f]*'),
    info_hash_v2 TEXT    CHECK (info_hash_v2 IS NULL OR
                                (length(info_hash_v2) = 64 AND info_hash_v2 NOT GLOB '*[^0-9a-f]*')),
    name         TEXT    NOT NULL CHECK (name <> ''),
    -- The name as the name sort compares it: Go's strings.ToLower, written by the service. SQLite's
    -- lower() and NOCASE fold ASCII only, and D1 has no ICU, so "Été" would sort after "zèbre".
    name_key     TEXT    NOT NULL,
    size         INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
    category_id  INTEGER NOT NULL REFERENCES categories (id),
    seeders      INTEGER NOT NULL DEFAULT 0 CHECK (seeders >= 0),
    leechers     INTEGER NOT NULL DEFAULT 0 CHECK (leechers >= 0),
    -- Unix seconds: integer ranges and sorts use the index directly.
    uploaded_at  INTEGER NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    -- The files as a JSON array of {path, size}, in the row: the whole aggregate is one row, so an
    -- upsert is one statement and atomic, and reading details is one lookup.
    files        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(files)),
    file_count   INTEGER GENERATED ALWAYS AS (json_array_length(files)) VIRTUAL,
    -- The trackers as a JSON array of URLs, in order.
    trackers     TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(trackers)),
    -- 1 when inserted, +1 on every update: RETURNING revision tells created from updated exactly,
    -- even under concurrent upserts of the same hash.
    revision     INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL DEFAULT (unixepoch()),
    updated_at   INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

-- Every SQLite index ends with the rowid, which is id: an index on (k) orders by (k, id), so each sort
-- below has its id tiebreak for free, in either direction.
CREATE INDEX torrents_uploaded_at ON torrents (uploaded_at);
CREATE INDEX torrents_category_uploaded_at ON torrents (category_id, uploaded_at);
CREATE INDEX torrents_seeders ON torrents (seeders);
CREATE INDEX torrents_leechers ON torrents (leechers);
CREATE INDEX torrents_size ON torrents (size);
CREATE INDEX torrents_name_key ON torrents (name_key);

CREATE TRIGGER torrents_count_insert AFTER INSERT ON torrents
BEGIN
    UPDATE categories SET torrent_count = torrent_count + 1 WHERE id = new.category_id;
END;

CREATE TRIGGER torrents_count_delete AFTER DELETE ON torrents
BEGIN
    UPDATE categories SET torrent_count = torrent_count - 1 WHERE id = old.category_id;
END;

CREATE TRIGGER torrents_count_move AFTER UPDATE OF category_id ON torrents
WHEN old.category_id IS NOT new.category_id
BEGIN
    UPDATE categories SET torrent_count = torrent_count - 1 WHERE id = old.category_id;
    UPDATE categories SET torrent_count = torrent_count + 1 WHERE id = new.category_id;
END;

-- Full text over the name and the file paths. Contentless: the text already lives in torrents, so
-- the index stores only tokens. Entries are removed with the 'delete' command, which needs the exact
-- text that was indexed; the triggers rebuild it from the row with the same expression each time.
-- remove_diacritics 2 lets "cafe" find "Café"; search terms pass through the same tokenizer.
CREATE VIRTUAL TABLE torrents_fts USING fts5(
    name,
    paths,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER torrents_fts_insert AFTER INSERT ON torrents
BEGIN
    INSERT INTO torrents_fts (rowid, name, paths)
    VALUES (new.id, new.name,
            (SELECT group_concat(json_extract(value, '$.path'), char(10)) FROM json_each(new.files)));
END;

CREATE TRIGGER torrents_fts_delete AFTER DELETE ON torrents
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths)
    VALUES ('delete', old.id, old.name,
            (SELECT group_concat(json_extract(value, '$.path'), char(10)) FROM json_each(old.files)));
END;

-- Only when the indexed text changes: a seeders-only refresh leaves the index alone.
CREATE TRIGGER torrents_fts_update AFTER UPDATE OF name, files ON torrents
WHEN old.name IS NOT new.name OR old.files IS NOT new.files
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths)
    VALUES ('delete', old.id, old.name,
            (SELECT group_concat(json_extract(value, '$.path'), char(10)) FROM json_each(old.files)));
    INSERT INTO torrents_fts (rowid, name, paths)
    VALUES (new.id, new.name,
            (SELECT group_concat(json_extract(value, '$.path'), char(10)) FROM json_each(new.files)));
END;
