// Package ingest is the write side of the catalog: batches of torrents named by info hash, magnet
// or .torrent file, checked one by one, upserted together, with a report per item.
package ingest
