// Package migration moves data in and out: the import of users, sessions and the catalog from the
// previous system (through the same stores and ingest rules the service uses), and the export of the
// catalog in ingest's shape.
package migration
