-- The category and external ids of a torrent's classified content (its latest, when bitmagnet
-- classified it more than once), with bitmagnet's content types mapped to categories: movie to
-- movies, tv_show to tv, music and audiobook to music, ebook and comic to books, game to games,
-- software to software, the rest to other. The external ids are the content's own (content_source
-- and content_id: tmdb, imdb or tvdb) and the others bitmagnet keeps as its attributes (source
-- imdb, tvdb or tmdb with key 'id'), looked up only for a content with a source. An id that is not
-- one (an IMDb id without tt and 7 digits, a non-numeric TMDB or TVDB id) is left out rather than
-- failing the torrent.
SELECT tc.info_hash AS parent_key,
       CASE tc.content_type
           WHEN 'movie' THEN 'movies'
           WHEN 'tv_show' THEN 'tv'
           WHEN 'music' THEN 'music'
           WHEN 'audiobook' THEN 'music'
           WHEN 'ebook' THEN 'books'
           WHEN 'comic' THEN 'books'
           WHEN 'game' THEN 'games'
           WHEN 'software' THEN 'software'
           ELSE 'other'
       END AS category,
       CASE WHEN ids.imdb ~ '^tt[0-9]{7,10}$' THEN ids.imdb END AS imdb_id,
       CASE WHEN ids.tmdb ~ '^[0-9]{1,15}$' THEN ids.tmdb::bigint END AS tmdb_id,
       CASE WHEN ids.tvdb ~ '^[0-9]{1,15}$' THEN ids.tvdb::bigint END AS tvdb_id
FROM (
    SELECT DISTINCT ON (c.info_hash) c.info_hash, c.content_type, c.content_source, c.content_id
    FROM torrent_contents c
    WHERE c.content_type IS NOT NULL
    ORDER BY c.info_hash, c.updated_at DESC
) tc
LEFT JOIN LATERAL (
    SELECT
        coalesce(CASE WHEN tc.content_source = 'imdb' THEN tc.content_id END, max(a.value) FILTER (WHERE a.source = 'imdb')) AS imdb,
        coalesce(CASE WHEN tc.content_source = 'tmdb' THEN tc.content_id END, max(a.value) FILTER (WHERE a.source = 'tmdb')) AS tmdb,
        coalesce(CASE WHEN tc.content_source = 'tvdb' THEN tc.content_id END, max(a.value) FILTER (WHERE a.source = 'tvdb')) AS tvdb
    FROM content_attributes a
    WHERE tc.content_source IS NOT NULL
      AND a.content_type = tc.content_type AND a.content_source = tc.content_source AND a.content_id = tc.content_id
      AND a.key = 'id' AND a.source IN ('imdb', 'tmdb', 'tvdb')
) ids ON true
