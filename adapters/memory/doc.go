// Package memory holds in-process adapters: the torrent catalog, the accounts (users, sessions,
// activities) and a bounded TTL cache. Unit tests run the core against them, and a process without
// Cloudflare's KV uses the cache as its shared tier.
package memory
