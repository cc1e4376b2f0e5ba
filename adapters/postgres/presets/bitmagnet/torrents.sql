-- bitmagnet's catalog: torrents keyed by their bytea info hash. What other tables hold comes from
-- their own mappings, each read in info hash order beside this one and merged with it (a scan of
-- each table, not a lookup a torrent): the files (files.sql), the swarm figures and publication
-- date of the sources (torrents.sources.sql), the category and external ids of the classified
-- content (torrents.contents.sql). This query gives their defaults: category other, the time
-- bitmagnet found the torrent.
--
-- Files: only when bitmagnet has the whole list (files_status 'multi', from files.sql: this row
-- leaves the list NULL); a single-file torrent is its own one file; an empty list for the others
-- (no_info, and over_threshold, whose saved files are only the first ones), so that files.sql's
-- rows, which fill only a NULL list, do not apply.
SELECT t.info_hash AS key,
       t.info_hash,
       t.name,
       t.size,
       'other' AS category,
       t.created_at AS uploaded_at,
       CASE t.files_status
           WHEN 'single' THEN ARRAY[t.name]
           WHEN 'multi' THEN NULL
           ELSE '{}'::text[]
       END AS file_paths,
       CASE t.files_status
           WHEN 'single' THEN ARRAY[t.size]
           WHEN 'multi' THEN NULL
           ELSE '{}'::bigint[]
       END AS file_sizes
FROM torrents t
