// Package kv is the shared cache on Cloudflare Workers KV, over the Cloudflare API (or the gateway
// Worker that serves the same shapes): ports.Cache with KV's rules (TTLs of at least 60 s, keys of
// at most 512 bytes, eventually consistent reads).
package kv
