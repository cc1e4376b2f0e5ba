// Package memory holds in-process adapters: a torrent catalog and a bounded cache. Unit tests run the
// core against them, and a process without Cloudflare's KV uses the cache as its shared tier.
package memory
