-- Migration number: 0021 	 The torrents with at least 1, 10 and 100 seeders, each set an index of its ids.
--
-- A text search filtered by seeders owes an exact total under 10,000, so its count classifies every
-- match of a common word: each one sought in torrents_facets (six columns a key, 1,000,000 entries),
-- or merged with the passing torrents after sorting them by id (search_merge.go). At 1,000,000
-- torrents, a word in 9 % of the names with minSeeders=10 (71,370 torrents pass): 30 ms merged,
-- 35 to 60 ms sought. Sought in the partial index of the torrents with at least 10 seeders instead
-- (ids and seeders only, a fifteenth of the entries), the same count is 15 ms: fewer levels, shorter
-- keys, and pages that stay cached (search_seeded.go).
--
-- A filter of at least N seeders uses the index of the largest threshold at or under N, and tests
-- N on the entry. Each index starts with the id, so a new torrent's entry goes at its end; a
-- seeders refresh that crosses a threshold adds or removes one small entry.
CREATE INDEX torrents_seeded_1 ON torrents (id, seeders) WHERE seeders >= 1;
CREATE INDEX torrents_seeded_10 ON torrents (id, seeders) WHERE seeders >= 10;
CREATE INDEX torrents_seeded_100 ON torrents (id, seeders) WHERE seeders >= 100;
