-- Migration number: 0025 	 A bulk load's deferred work, and the full-text index's rows as one view.
--
-- A bulk load into an empty catalog (bulkload.go, the local engine only) drops the torrents'
-- secondary indexes and the triggers that write the full-text index, loads the rows, then builds
-- each index with CREATE INDEX (SQLite sorts the keys) and the full-text entries with one
-- INSERT ... SELECT in id order. What it dropped is kept here, each with the SQL that made it, read
-- from sqlite_master, in the transaction that drops it: while a row is here the load is not
-- finished, and the next open of the file finishes it (a load killed half way included).
CREATE TABLE bulk_load_deferred (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('index', 'trigger')),
    sql  TEXT NOT NULL
) STRICT;

-- What the full-text index holds for each torrent, computed as 0014's insert trigger does: the
-- name, the file paths one a line, and the facets (the category's slug and the resolution as
-- tokens). A bulk load indexes its rows from here. A migration that changes what the triggers
-- index (the facets, say) drops this view and makes it again with the same expression, and the
-- same columns: id, name, paths, facets.
CREATE VIEW torrents_fts_rows (id, name, paths, facets) AS
SELECT t.id, t.name,
       (SELECT group_concat(value, char(10)) FROM json_tree(t.files) WHERE key = 'path'),
       char(57344) || 'c' || lower(hex((SELECT slug FROM categories WHERE id = t.category_id))) || ' ' ||
       char(57344) || 'r' || lower(hex(coalesce(t.release_resolution, '')))
FROM torrents t;
