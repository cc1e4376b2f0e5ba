-- The swarm figures and publication date of bitmagnet's sources of a torrent (the DHT, an
-- import): the highest seeders and leechers any source saw, the earliest publication; read in info
-- hash order from the (info_hash) index, one row a torrent. A torrent without a source keeps
-- torrents.sql's date (when bitmagnet found it).
SELECT s.info_hash AS parent_key,
       max(s.seeders) AS seeders,
       max(s.leechers) AS leechers,
       min(s.published_at) AS uploaded_at
FROM torrents_torrent_sources s
GROUP BY s.info_hash
