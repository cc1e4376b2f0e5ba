// Package caching is the service's caching policy: which values are cached, under which keys, for
// how long, and how they are refreshed and invalidated. It puts a bounded in-process tier of decoded
// values in front of the shared cache port (Workers KV, or an in-process store by default), fills a
// missing key once however many requests want it, serves stale values while one refresh runs, and
// invalidates whole key spaces by bumping their generation instead of scanning keys.
package caching
