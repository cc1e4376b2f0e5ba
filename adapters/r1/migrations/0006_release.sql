-- Migration number: 0006 	 What a release name says, external ids and web seeds.
--
-- release holds domain.ParseRelease's reading of the name as JSON (see release.go), and the
-- release_* columns the parts search filters on. A migration cannot run Go, so rows stored before
-- this one get their reading at migrate time, in Go, in batches (Database.deriveReleases); each
-- row says which parser version read it (release_parser), and derived_versions records that every
-- row is read by the current one, so a later start-up costs one read.
ALTER TABLE torrents ADD COLUMN web_seeds TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(web_seeds));
ALTER TABLE torrents ADD COLUMN imdb_id TEXT CHECK (imdb_id IS NULL OR imdb_id GLOB 'tt[0-9]*');
ALTER TABLE torrents ADD COLUMN tmdb_id INTEGER CHECK (tmdb_id IS NULL OR tmdb_id > 0);
ALTER TABLE torrents ADD COLUMN tvdb_id INTEGER CHECK (tvdb_id IS NULL OR tvdb_id > 0);
ALTER TABLE torrents ADD COLUMN release TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(release));
ALTER TABLE torrents ADD COLUMN release_parser INTEGER NOT NULL DEFAULT 0;
ALTER TABLE torrents ADD COLUMN release_year INTEGER;
ALTER TABLE torrents ADD COLUMN release_season_min INTEGER;
ALTER TABLE torrents ADD COLUMN release_season_max INTEGER;
ALTER TABLE torrents ADD COLUMN release_episode_min INTEGER;
ALTER TABLE torrents ADD COLUMN release_episode_max INTEGER;
ALTER TABLE torrents ADD COLUMN release_resolution TEXT;

-- The *arr apps search a movie or a show by its id with no words: those are index lookups.
CREATE INDEX torrents_imdb_id ON torrents (imdb_id) WHERE imdb_id IS NOT NULL;
CREATE INDEX torrents_tmdb_id ON torrents (tmdb_id) WHERE tmdb_id IS NOT NULL;
CREATE INDEX torrents_tvdb_id ON torrents (tvdb_id) WHERE tvdb_id IS NOT NULL;

-- Which version of each derivation every row has: written when a derivation has gone through all.
CREATE TABLE derived_versions (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) STRICT;
