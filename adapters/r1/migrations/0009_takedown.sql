-- Migration number: 0009 	 Takedown: the blocklist of info hashes that ingest and import refuse.
--
-- A takedown deletes the torrent's row, and with it everything the catalog keeps of it: the files
-- and trackers live in the row, and the triggers of 0001 and 0003 remove its full-text entry and
-- its share of the category counts. The hash then stays here until an explicit unblock, so a later
-- ingest or import does not bring the torrent back. A hash may be blocked without ever having been
-- in the catalog (a preventive takedown).

CREATE TABLE blocked_torrents (
    info_hash  TEXT    PRIMARY KEY
               CHECK (length(info_hash) = 40 AND info_hash NOT GLOB '*[^0-9a-f]*'),
    -- Unix seconds of the takedown that first blocked it.
    blocked_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
