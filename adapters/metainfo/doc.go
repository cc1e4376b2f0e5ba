// Package metainfo reads .torrent files (BEP 3, BEP 52) into ports.Metainfo: identity, name, files,
// size and trackers. It builds on github.com/anacrolix/torrent/metainfo, the de-facto Go BitTorrent
// library, for the field mapping, and hashes the info dictionary exactly as written in the file.
package metainfo
