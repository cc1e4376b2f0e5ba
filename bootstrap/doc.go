// Package bootstrap reads the configuration, chooses the adapters for the mode it describes (the
// embedded default: a local SQLite file and an in-process cache; or Cloudflare: R1 on D1 and Workers
// KV behind the process cache, see cloudflare.go), wires them to
// the use cases and the REST API, and runs the server until a signal stops it.
package bootstrap
