// Package domain holds the entities and value objects of the torrent catalog and its accounts:
// torrents with their files and trackers, categories, info hashes, magnet URIs, and the errors the
// rest of the service speaks in. It imports nothing but the standard library.
package domain
