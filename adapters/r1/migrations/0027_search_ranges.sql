-- Migration number: 0027 	 The upload date and the size as tokens of the full-text index, in buckets.
--
-- A text search filtered by a date or size range owes an exact total under 10,000, so its count
-- classified every match of a common word, each one sought in torrents_facets (at 1,000,000
-- torrents a size range keeping a quarter of a word's 44,000 matches: 30-60 ms). Each torrent's
-- upload date and size are now also tokens of the facets column (0014's), so that FTS5 intersects
-- the word's list with the lists of the buckets the range covers, and only the matches in the
-- buckets at its edges are sought (search_ranges.go).
--
-- One token a value, five characters: U+E000 (0014's facet mark), 'd', 'e' or 's', then three
-- digits, each a private-use character (U+E001 + the digit: unicode61 keeps them in a token, and
-- user text never holds them). The index's prefix lists (prefix = '1 2 3 4', in characters) hold every token's
-- first three and four characters, so each digit is a level of buckets that costs no token of its
-- own:
--   'd': the UTC day, counted from day -524,288 of the epoch (a whole number of 256-day blocks
--        before 1970-01-01), as its 256-day block, its 16-day block within that, its day within
--        that. A date outside days -524,288 to 524,287 (years 535 to 3405) goes into the first or
--        last block, which a search always checks on the row.
--   'e': the category's id (6,398 for every id from it on), then the date's 256-day block and
--        16-day block: a category's dates, so that a search in a category after a date steps the
--        lists of that category's blocks (a few percent of the catalog) instead of both the
--        category's and the blocks' (each a tenth or more).
--   's': the size's number of decimal digits, its first digit, its second (0 for a one-digit size):
--        a decade, a tenth of it, a hundredth.
--
-- None of them changes once a torrent is stored but by an upsert of it (which may bring another
-- size, date or category), so the update triggers re-index on them as on the name; a seeders
-- refresh still leaves the index alone.
--
-- torrents_fts_rows (0025's view: what the index holds for each torrent) is made again with the new
-- facets; the triggers and the rebuild below read it, so the expression is written once. A delete
-- or an update reads the row before it changes (BEFORE triggers: a contentless index is told the
-- old text to remove it), an insert or an update after.
--
-- The table is 0014's; it is made again from the rows, as 0014 did. On D1 the rebuild is one
-- statement: a catalog far beyond 100,000 torrents may need it applied in slices
-- (INSERT ... SELECT ... FROM torrents_fts_rows WHERE id BETWEEN ...) to stay under D1's 30 s per
-- statement.
DROP TRIGGER IF EXISTS torrents_fts_insert;
DROP TRIGGER IF EXISTS torrents_fts_delete;
DROP TRIGGER IF EXISTS torrents_fts_update;
DROP TRIGGER IF EXISTS torrents_fts_update_old;
DROP TRIGGER IF EXISTS torrents_fts_update_new;
DROP TABLE torrents_fts_terms;
DROP TABLE torrents_fts_vocab;
DROP TABLE torrents_fts;
DROP VIEW IF EXISTS torrents_fts_rows;

CREATE VIRTUAL TABLE torrents_fts USING fts5(
    name,
    paths,
    facets,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4'
);

CREATE VIRTUAL TABLE torrents_fts_vocab USING fts5vocab(torrents_fts, row);

CREATE VIRTUAL TABLE torrents_fts_terms USING fts5vocab(torrents_fts, instance);

CREATE VIEW torrents_fts_rows (id, name, paths, facets) AS
SELECT t.id, t.name,
       (SELECT group_concat(value, char(10)) FROM json_tree(t.files) WHERE key = 'path'),
       char(57344) || 'c' || lower(hex((SELECT slug FROM categories WHERE id = t.category_id))) || ' ' ||
       char(57344) || 'r' || lower(hex(coalesce(t.release_resolution, ''))) || ' ' ||
       (SELECT char(57344) || 'd' || b || char(57345 + d % 16) || ' ' || char(57344) || 'e' || char(57345 + min(t.category_id, 6398)) || b
        FROM (SELECT d, char(57345 + d / 256) || char(57345 + d / 16 % 16) AS b
              FROM (SELECT (max(min(t.uploaded_at, 45298483199), -45298483200) + 45298483200) / 86400 AS d))) || ' ' ||
       (SELECT char(57344) || 's' || char(57345 + length(s)) || char(57345 + substr(s, 1, 1)) || char(57345 + substr(s || '0', 2, 1))
        FROM (SELECT CAST(CAST(t.size AS INTEGER) AS TEXT) AS s))
FROM torrents t;

INSERT INTO torrents_fts (rowid, name, paths, facets)
SELECT id, name, paths, facets FROM torrents_fts_rows;

CREATE TRIGGER torrents_fts_insert AFTER INSERT ON torrents
BEGIN
    INSERT INTO torrents_fts (rowid, name, paths, facets)
    SELECT id, name, paths, facets FROM torrents_fts_rows WHERE id = new.id;
END;

CREATE TRIGGER torrents_fts_delete BEFORE DELETE ON torrents
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths, facets)
    SELECT 'delete', id, name, paths, facets FROM torrents_fts_rows WHERE id = old.id;
END;

-- Only when the indexed text or facets change: a seeders-only refresh leaves the index alone.
CREATE TRIGGER torrents_fts_update_old BEFORE UPDATE OF name, files, category_id, release_resolution, uploaded_at, size ON torrents
WHEN old.name IS NOT new.name OR old.files IS NOT new.files OR old.category_id IS NOT new.category_id
  OR old.release_resolution IS NOT new.release_resolution OR old.uploaded_at IS NOT new.uploaded_at OR old.size IS NOT new.size
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths, facets)
    SELECT 'delete', id, name, paths, facets FROM torrents_fts_rows WHERE id = old.id;
END;

CREATE TRIGGER torrents_fts_update_new AFTER UPDATE OF name, files, category_id, release_resolution, uploaded_at, size ON torrents
WHEN old.name IS NOT new.name OR old.files IS NOT new.files OR old.category_id IS NOT new.category_id
  OR old.release_resolution IS NOT new.release_resolution OR old.uploaded_at IS NOT new.uploaded_at OR old.size IS NOT new.size
BEGIN
    INSERT INTO torrents_fts (rowid, name, paths, facets)
    SELECT id, name, paths, facets FROM torrents_fts_rows WHERE id = new.id;
END;
