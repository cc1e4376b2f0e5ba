// Package bootstrap reads the configuration, chooses the adapters for the mode it describes (the
// embedded default: a local SQLite file and an in-process cache; later Cloudflare), wires them to
// the use cases and the REST API, and runs the server until a signal stops it.
package bootstrap
