// Package soak drives the built binary over loopback for a long time with many clients and a
// realistic mix (anonymous and signed-in reads, hostile search texts, accounts, ingests), on the
// embedded default and on the emulator, then checks that every write it got a 2xx for is served,
// and reports one table (make soak; make test runs a short form). It also holds the crash loop,
// the full-disk test and the slow-client test, which drive the same binary.
package soak
