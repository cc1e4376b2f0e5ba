// Package e2e drives the built binary as a user would: start it on the embedded default, call the
// API over HTTP on 127.0.0.1, stop it with SIGTERM, start it again.
package e2e
