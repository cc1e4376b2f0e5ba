// Package ndjson reads and writes the catalog as NDJSON: one torrent a line, in the shape POST
// /api/ingest takes, so a backup is also an ingest batch and an import source.
package ndjson
