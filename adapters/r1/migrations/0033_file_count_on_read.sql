-- Migration number: 0033 	 The file count is computed where it is read, not at every write.
--
-- file_count (0001) was a VIRTUAL generated column: json_array_length(files). SQLite computes every
-- generated column of a row it writes, VIRTUAL ones included, and then leaves the VIRTUAL ones out
-- of the record: each insert and each update parsed the file list's JSON once more for a value it
-- threw away (3 % of the writer's CPU in a load of 1,000,000 torrents). The reads that show it
-- compute the same expression (summaryColumns). A VIRTUAL column holds nothing on disk, so
-- dropping it rewrites no row.
ALTER TABLE torrents DROP COLUMN file_count;
