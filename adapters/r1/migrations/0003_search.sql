-- Migration number: 0003 	 Search at scale: a covering index for filters, a prefix index for the last word.
--
-- Measured on the local engine with 1,000,000 torrents (tests/bench); the reasons are in
-- adapters/r1/search.go.

-- Joining full-text matches to their torrents to filter and sort them reads this index instead of
-- the rows: a few dozen bytes an entry instead of a kilobyte with the file list, and read in id
-- order, as the full-text index hands the matches over. It starts with id, so it grows at its end
-- like the table and costs the ingest little.
CREATE INDEX torrents_facets ON torrents (id, category_id, seeders, size, uploaded_at, leechers);

-- The last word of a search is a prefix. Without a prefix index FTS5 answers a prefix by merging
-- the full lists of every word it begins before returning the first match, so "a" or "the" as the
-- last word read a third of the index on every search, and checking one torrent against "king*"
-- merges the lists of every word that begins with "king". prefix = '1 2 3 4' keeps ready lists for
-- prefixes of one to four characters (at 1,000,000 torrents a search for a four-letter word sorted
-- by seeders went from about 70 ms to under 40 ms); a longer last word is written out as the words
-- it begins when that pays (ftsExpanded in fts_query.go). The option cannot be added to a table, so the
-- index is made again, from the rows, with the same tokenizer and the same text.
--
-- The text of the file paths is built with json_tree, which walks the list once, where 0001 used
-- json_each and one json_extract per file.
--
-- On D1 the rebuild is one statement: a catalog far beyond 100,000 torrents may need it applied in
-- slices (INSERT ... WHERE id BETWEEN ...) to stay under D1's 30 s per statement.
DROP TRIGGER torrents_fts_insert;
DROP TRIGGER torrents_fts_delete;
DROP TRIGGER torrents_fts_update;
DROP TABLE torrents_fts;

CREATE VIRTUAL TABLE torrents_fts USING fts5(
    name,
    paths,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4'
);

-- The index's vocabulary: a search whose last word is longer than the prefix index asks it which
-- words that one begins, and searches for those instead (see ftsExpanded in fts_query.go).
CREATE VIRTUAL TABLE torrents_fts_vocab USING fts5vocab(torrents_fts, row);

INSERT INTO torrents_fts (rowid, name, paths)
SELECT id, name, (SELECT group_concat(value, char(10)) FROM json_tree(files) WHERE key = 'path')
FROM torrents;

CREATE TRIGGER torrents_fts_insert AFTER INSERT ON torrents
BEGIN
    INSERT INTO torrents_fts (rowid, name, paths)
    VALUES (new.id, new.name,
            (SELECT group_concat(value, char(10)) FROM json_tree(new.files) WHERE key = 'path'));
END;

CREATE TRIGGER torrents_fts_delete AFTER DELETE ON torrents
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths)
    VALUES ('delete', old.id, old.name,
            (SELECT group_concat(value, char(10)) FROM json_tree(old.files) WHERE key = 'path'));
END;

-- Only when the indexed text changes: a seeders-only refresh leaves the index alone.
CREATE TRIGGER torrents_fts_update AFTER UPDATE OF name, files ON torrents
WHEN old.name IS NOT new.name OR old.files IS NOT new.files
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths)
    VALUES ('delete', old.id, old.name,
            (SELECT group_concat(value, char(10)) FROM json_tree(old.files) WHERE key = 'path'));
    INSERT INTO torrents_fts (rowid, name, paths)
    VALUES (new.id, new.name,
            (SELECT group_concat(value, char(10)) FROM json_tree(new.files) WHERE key = 'path'));
END;
