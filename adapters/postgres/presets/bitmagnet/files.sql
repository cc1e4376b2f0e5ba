-- bitmagnet's files, in its own order (index), read in the order of the (info_hash, index) key:
-- they fill only the torrents whose files_status is 'multi' (see torrents.sql).
SELECT f.info_hash AS parent_key, f.path, f.size, f.index AS position
FROM torrent_files f
