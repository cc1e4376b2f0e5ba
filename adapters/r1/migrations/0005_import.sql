-- Migration number: 0005 	 Import checkpoints: how far an interrupted `streamer import` got.
--
-- One row per source and kind, written every few batches and deleted when the import finishes, so a
-- run started again after Ctrl-C, a lost connection or kill -9 reads on from the last key instead
-- of from the start. The key is the source's own (a user id, an info hash), never a secret.

CREATE TABLE import_checkpoints (
    source     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    last_key   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (source, kind)
) STRICT, WITHOUT ROWID;
