-- Migration number: 0014 	 The filters people search with, as tokens of the full-text index.
--
-- A search for a common word with a filter that keeps few of its matches ("love" in books, 1080p
-- only) owes an exact total up to 10,000, so it walked every match of the word and sought each
-- one's row in torrents_facets (at 1,000,000 torrents about 1.3 µs a match: 50-180 ms for one
-- search). The category and the resolution are now also tokens of the index, in a column of their
-- own, so FTS5 intersects the word's list with the category's instead (search_facets.go).
--
-- A token is U+E000 (a private-use character, which unicode61 keeps in a token and the search
-- terms never hold: domain.Tokenize keeps letters and digits only, and ftsQuery drops it too), then
-- 'c' and the category's slug in hex, or 'r' and the resolution in hex ('r' alone for a name that
-- says none). Hex, because a slug may hold characters the tokenizer splits on. A search names the
-- column ({facets} : ...), so a torrent's name or file paths holding the same characters never
-- passes for its category; and user text, which cannot hold U+E000, never reaches these tokens.
--
-- The option set is 0003's, with a third column; a table's columns cannot change, so the index is
-- made again from the rows, as 0003 did. On D1 the rebuild is one statement: a catalog far beyond
-- 100,000 torrents may need it applied in slices (INSERT ... WHERE id BETWEEN ...) to stay under
-- D1's 30 s per statement.
DROP TRIGGER torrents_fts_insert;
DROP TRIGGER torrents_fts_delete;
DROP TRIGGER torrents_fts_update;
DROP TABLE torrents_fts_vocab;
DROP TABLE torrents_fts;

CREATE VIRTUAL TABLE torrents_fts USING fts5(
    name,
    paths,
    facets,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4'
);

CREATE VIRTUAL TABLE torrents_fts_vocab USING fts5vocab(torrents_fts, row);

INSERT INTO torrents_fts (rowid, name, paths, facets)
SELECT t.id, t.name, (SELECT group_concat(value, char(10)) FROM json_tree(t.files) WHERE key = 'path'),
       char(57344) || 'c' || lower(hex(c.slug)) || ' ' || char(57344) || 'r' || lower(hex(coalesce(t.release_resolution, '')))
FROM torrents t JOIN categories c ON c.id = t.category_id;

CREATE TRIGGER torrents_fts_insert AFTER INSERT ON torrents
BEGIN
    INSERT INTO torrents_fts (rowid, name, paths, facets)
    VALUES (new.id, new.name,
            (SELECT group_concat(value, char(10)) FROM json_tree(new.files) WHERE key = 'path'),
            char(57344) || 'c' || lower(hex((SELECT slug FROM categories WHERE id = new.category_id))) || ' ' ||
            char(57344) || 'r' || lower(hex(coalesce(new.release_resolution, ''))));
END;

CREATE TRIGGER torrents_fts_delete AFTER DELETE ON torrents
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths, facets)
    VALUES ('delete', old.id, old.name,
            (SELECT group_concat(value, char(10)) FROM json_tree(old.files) WHERE key = 'path'),
            char(57344) || 'c' || lower(hex((SELECT slug FROM categories WHERE id = old.category_id))) || ' ' ||
            char(57344) || 'r' || lower(hex(coalesce(old.release_resolution, ''))));
END;

-- Only when the indexed text or facets change: a seeders-only refresh leaves the index alone.
CREATE TRIGGER torrents_fts_update AFTER UPDATE OF name, files, category_id, release_resolution ON torrents
WHEN old.name IS NOT new.name OR old.files IS NOT new.files
  OR old.category_id IS NOT new.category_id OR old.release_resolution IS NOT new.release_resolution
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths, facets)
    VALUES ('delete', old.id, old.name,
            (SELECT group_concat(value, char(10)) FROM json_tree(old.files) WHERE key = 'path'),
            char(57344) || 'c' || lower(hex((SELECT slug FROM categories WHERE id = old.category_id))) || ' ' ||
            char(57344) || 'r' || lower(hex(coalesce(old.release_resolution, ''))));
    INSERT INTO torrents_fts (rowid, name, paths, facets)
    VALUES (new.id, new.name,
            (SELECT group_concat(value, char(10)) FROM json_tree(new.files) WHERE key = 'path'),
            char(57344) || 'c' || lower(hex((SELECT slug FROM categories WHERE id = new.category_id))) || ' ' ||
            char(57344) || 'r' || lower(hex(coalesce(new.release_resolution, ''))));
END;
