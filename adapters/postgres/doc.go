// Package postgres reads an import's records from PostgreSQL (pgx): each kind is a mapping, a plain
// SELECT whose columns carry the importer's names, from a preset shipped in the binary (Better Auth,
// bitmagnet) or a directory of the team's own. Rows stream one at a time in key order.
package postgres
