-- Migration number: 0037 	 The words of a torrent's file paths, each once, as the full-text index's text for them.
--
-- A torrent's file paths say the same words again and again: the folder in every path, the
-- title, the season and the resolution in every file's name. tests/bench's tags corpus has 121
-- words of paths a torrent, 26 of them different. FTS5 handles each occurrence (a position in the
-- word's list, and one more in each of the four prefix lists), so the paths were about 90 % of what
-- a bulk load indexed, and indexing was the largest part of a load's work: at 100,000 torrents of
-- the tags corpus, 55 µs a torrent with every occurrence, 33 µs with each word once, and the
-- index 40 % smaller (63 MB against 106), which its merges, its copy and its checkpoint then
-- write once less each.
--
-- So the service writes, beside the file list, its words each once (file_words: the paths cut at
-- the spaces and punctuation marks the tokenizer cuts at too, a word kept the first time it comes,
-- ASCII letters compared without case; fileWords in adapters/r1/filewords.go). SQLite cannot
-- write that text itself (it has no tokenizer it can call from SQL, and D1 no function of ours).
-- A search matches the same torrents: a torrent holds the same words, and a search's words are
-- each a word or a prefix of one, never a phrase across words. bm25 counts a word of the paths once
-- however many files repeat it (the name, weighted ten times the paths, decides most ranks).
--
-- A row without file_words (stored before this migration, written by hand or by another tool, or
-- with words over the service's bound) gives the index the text 0003 to 0035 gave it, from the
-- file list: what the index was told for the rows already indexed, so nothing is indexed again, and
-- a row's entry is removed with the text it was indexed with. A stored torrent gets its words when
-- an upsert next changes it (an upsert that changes nothing writes nothing).
--
-- The update triggers are 0027's, also on file_words: a row whose words change (from none, at its
-- first change after this migration) is indexed again.
ALTER TABLE torrents ADD COLUMN file_words TEXT;

DROP VIEW IF EXISTS torrents_fts_rows;

CREATE VIEW torrents_fts_rows (id, name, paths, facets) AS
SELECT t.id, t.name,
       -- The words the service wrote (file_words); a row written before this migration, by hand or
       -- by another tool has none, and its paths are the text 0003 to 0035 gave the index.
       coalesce(t.file_words, (SELECT group_concat(value, char(10)) FROM json_tree(t.files) WHERE key = 'path')),
       -- U+E000 'c' and the slug in hex; ' ', U+E000 'r' and the resolution in hex.
       char(57344, 99) || lower(hex(c.slug)) || char(32, 57344, 114) || lower(hex(coalesce(t.release_resolution, ''))) ||
       -- ' ', U+E000 'd' and the day's three digits; ' ', U+E000 'e', the category and the day's first
       -- two digits; ' ', U+E000 's', the size's number of digits, its first digit and its second.
       char(32, 57344, 100,
            57345 + (max(min(t.uploaded_at, 45298483199), -45298483200) + 45298483200) / 86400 / 256,
            57345 + (max(min(t.uploaded_at, 45298483199), -45298483200) + 45298483200) / 86400 / 16 % 16,
            57345 + (max(min(t.uploaded_at, 45298483199), -45298483200) + 45298483200) / 86400 % 16,
            32, 57344, 101,
            57345 + min(t.category_id, 6398),
            57345 + (max(min(t.uploaded_at, 45298483199), -45298483200) + 45298483200) / 86400 / 256,
            57345 + (max(min(t.uploaded_at, 45298483199), -45298483200) + 45298483200) / 86400 / 16 % 16,
            32, 57344, 115,
            57345 + length(CAST(CAST(t.size AS INTEGER) AS TEXT)),
            57345 + substr(CAST(CAST(t.size AS INTEGER) AS TEXT), 1, 1),
            57345 + substr(CAST(CAST(t.size AS INTEGER) AS TEXT) || '0', 2, 1))
FROM torrents t LEFT JOIN categories c ON c.id = t.category_id;

DROP TRIGGER IF EXISTS torrents_fts_update_old;
DROP TRIGGER IF EXISTS torrents_fts_update_new;

CREATE TRIGGER torrents_fts_update_old BEFORE UPDATE OF name, files, file_words, category_id, release_resolution, uploaded_at, size ON torrents
WHEN old.name IS NOT new.name OR old.files IS NOT new.files OR old.file_words IS NOT new.file_words OR old.category_id IS NOT new.category_id
  OR old.release_resolution IS NOT new.release_resolution OR old.uploaded_at IS NOT new.uploaded_at OR old.size IS NOT new.size
BEGIN
    INSERT INTO torrents_fts (torrents_fts, rowid, name, paths, facets)
    SELECT 'delete', id, name, paths, facets FROM torrents_fts_rows WHERE id = old.id;
END;

CREATE TRIGGER torrents_fts_update_new AFTER UPDATE OF name, files, file_words, category_id, release_resolution, uploaded_at, size ON torrents
WHEN old.name IS NOT new.name OR old.files IS NOT new.files OR old.file_words IS NOT new.file_words OR old.category_id IS NOT new.category_id
  OR old.release_resolution IS NOT new.release_resolution OR old.uploaded_at IS NOT new.uploaded_at OR old.size IS NOT new.size
BEGIN
    INSERT INTO torrents_fts (rowid, name, paths, facets)
    SELECT id, name, paths, facets FROM torrents_fts_rows WHERE id = new.id;
END;
