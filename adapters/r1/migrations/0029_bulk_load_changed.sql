-- Migration number: 0029 	 What a bulk load's rows said before they changed during the load.
--
-- A bulk load into an empty catalog (bulkload.go, the local engine only) now indexes its rows for
-- search while it loads, on the other core, into a file of its own beside the database
-- (bulkfts.go), whose entries the finish copies into torrents_fts. A row indexed there and changed
-- or deleted afterwards (a hash sent twice, a takedown) leaves an entry the finish must remove, and
-- a contentless index removes an entry only when told its exact text. So while a load runs, the
-- first change of each row keeps here the text the index was told (torrents_fts_rows' columns, as
-- the row stood before that change); the finish empties it.
CREATE TABLE bulk_load_changed (
    id     INTEGER PRIMARY KEY,
    name   TEXT,
    paths  TEXT,
    facets TEXT
);
