// Package migration tests `streamer import` and `streamer export` end to end: a real PostgreSQL
// (Debian's package, started by the tests) seeded with Better Auth's schema in both column styles
// and bitmagnet's, imported into R1 on a local file, then used through the service's REST API.
package migration
