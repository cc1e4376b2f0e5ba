// Package contract holds one test suite per port, which every adapter of that port runs through a
// harness of its own: memory, R1 on a local file, R1 and KV on Cloudflare or its emulator. Where an
// adapter legitimately differs, its harness declares it and the suite adapts instead of skipping.
package contract
