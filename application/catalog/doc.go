// Package catalog holds the read side of the torrent catalog: search, latest, details and
// categories, each served through the caching policy with the TTLs of the design.
package catalog
