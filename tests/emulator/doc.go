// Package emulator starts the gateway Worker under workerd (the local Cloudflare: D1 and KV) in a
// Docker container for the tests that need it (tests/integration, the soak, the upstream fault
// tests), and skips loudly where Docker is missing, failing instead under CI=true.
package emulator
