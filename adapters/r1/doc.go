// Package r1 stores the catalog and the accounts in R1 (Cloudflare D1, serverless SQLite): the SQL
// repositories, their wrangler-compatible migrations, and the Engine that runs statements — a local
// SQLite file here, D1 over its REST API in production. The SQL is written once for both.
package r1
