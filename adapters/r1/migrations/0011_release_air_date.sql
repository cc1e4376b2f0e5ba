-- Migration number: 0011 	 The air date of a daily show's episode, as a filter column.
--
-- release_air_date is Release.AirDate (YYYY-MM-DD) of the name, NULL when it says none: tvsearch
-- for a daily show (season=2024&ep=05/01) and the REST airDate filter compare it. The release
-- JSON already holds the date, but a migration cannot run Go, so rows stored before this one get
-- the column as 0006's did: at migrate time, in Go, in batches (Database.deriveReleases), because
-- the row version they carry (release_parser) is older than the one that writes this column.
ALTER TABLE torrents ADD COLUMN release_air_date TEXT
    CHECK (release_air_date IS NULL OR release_air_date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]');
