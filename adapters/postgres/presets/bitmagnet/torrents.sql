-- bitmagnet's catalog: torrents keyed by their bytea info hash, the swarm figures and publication
-- date of their sources, their files (only when bitmagnet has the whole list: files_status
-- 'multi'; a single-file torrent is its own one file), and the category from their classified
-- content type.
SELECT t.info_hash AS key,
       t.info_hash,
       t.name,
       t.size,
       CASE (SELECT c.content_type FROM torrent_contents c
             WHERE c.info_hash = t.info_hash AND c.content_type IS NOT NULL
             ORDER BY c.updated_at DESC LIMIT 1)
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
       coalesce(src.seeders, 0) AS seeders,
       coalesce(src.leechers, 0) AS leechers,
       coalesce(src.published_at, t.created_at) AS uploaded_at,
       CASE t.files_status
           WHEN 'single' THEN ARRAY[t.name]
           WHEN 'multi' THEN fl.paths
       END AS file_paths,
       CASE t.files_status
           WHEN 'single' THEN ARRAY[t.size]
           WHEN 'multi' THEN fl.sizes
       END AS file_sizes
FROM torrents t
LEFT JOIN LATERAL (
    SELECT max(s.seeders) AS seeders, max(s.leechers) AS leechers, min(s.published_at) AS published_at
    FROM torrents_torrent_sources s WHERE s.info_hash = t.info_hash
) src ON true
LEFT JOIN LATERAL (
    SELECT array_agg(f.path ORDER BY f.index) AS paths, array_agg(f.size ORDER BY f.index) AS sizes
    FROM torrent_files f WHERE f.info_hash = t.info_hash AND t.files_status = 'multi'
) fl ON true
