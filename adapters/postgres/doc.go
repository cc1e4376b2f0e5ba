// Package postgres reads an import's records from PostgreSQL (pgx): each kind is a mapping, a plain
// SELECT whose columns carry the importer's names, from a preset shipped in the binary (Better Auth,
// bitmagnet) or a directory of the team's own. Rows stream one at a time in key order; a kind's
// child mappings (its lists and parts) stream beside it, each in the order of its parent_key, and
// are merged with it in Go (merge.go, children.go).
package postgres
