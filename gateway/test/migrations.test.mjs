// The project's real migrations (adapters/r1/migrations/*.sql, in name order) through the query
// endpoint, on D1 under workerd: proof that D1 accepts the schema (STRICT, WITHOUT ROWID, generated
// columns, CHECKs with json_valid and GLOB, contentless FTS5 with remove_diacritics, triggers,
// unixepoch() defaults), and that its triggers and FTS index do what the service relies on.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { splitStatements } from "../src/sql.js";
import { query, repoRoot, startEmulator } from "./helpers.mjs";

const migrationsDir = path.join(repoRoot, "adapters", "r1", "migrations");

async function migrations() {
  const names = (await readdir(migrationsDir)).filter((n) => n.endsWith(".sql")).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(path.join(migrationsDir, name), "utf8") })));
}

// wrangler's table, as adapters/r1 creates it.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS d1_migrations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT UNIQUE,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;

const rows = (res, i = 0) => res.json.result[i].results;

// Exercises the schema the way the service's repositories do, with every number bound as a string.
async function exerciseSchema(emu) {
  await query(emu, {
    batch: [
      { sql: "INSERT INTO categories (slug, name) VALUES (?, ?)", params: ["movies", "Movies"] },
      { sql: "INSERT INTO categories (slug, name) VALUES (?, ?)", params: ["software", "Software"] },
    ],
  });
  const files = JSON.stringify([
    { path: "Feature/Movie.mkv", size: 1000 },
    { path: "Feature/subs.srt", size: 24 },
  ]);
  const insert = await query(emu, {
    sql: `INSERT INTO torrents (info_hash, name, name_key, size, category_id, seeders, leechers, uploaded_at, files, trackers)
          VALUES (?, ?, ?, CAST(? AS INTEGER), (SELECT id FROM categories WHERE slug = ?), ?, ?, ?, ?, ?)
          ON CONFLICT (info_hash) DO UPDATE SET seeders = excluded.seeders, revision = revision + 1,
                                               updated_at = unixepoch()
          RETURNING id, revision, file_count, created_at, typeof(size) AS size_type`,
    params: ["a".repeat(40), "Café Society", "café society", "1024", "movies", "10", "2", "1767225600", files, '["udp://t.example:80"]'],
  });
  const [created] = rows(insert);
  assert.equal(created.revision, 1);
  assert.equal(created.file_count, 2);
  assert.equal(created.size_type, "integer");
  assert.ok(Math.abs(created.created_at - Date.now() / 1000) < 120, "created_at defaults to unixepoch()");

  const again = await query(emu, {
    sql: `INSERT INTO torrents (info_hash, name, name_key, category_id, uploaded_at, seeders)
          VALUES (?, ?, ?, (SELECT id FROM categories WHERE slug = ?), ?, ?)
          ON CONFLICT (info_hash) DO UPDATE SET seeders = excluded.seeders, revision = revision + 1
          RETURNING id, revision, seeders`,
    params: ["a".repeat(40), "Café Society", "café society", "movies", "1767225600", "99"],
  });
  assert.deepEqual(rows(again), [{ id: created.id, revision: 2, seeders: 99 }]);

  // The triggers keep counts and the contentless FTS index right.
  const count = await query(emu, { sql: "SELECT slug, torrent_count FROM categories ORDER BY slug" });
  assert.deepEqual(rows(count), [
    { slug: "movies", torrent_count: 1 },
    { slug: "software", torrent_count: 0 },
  ]);
  const search = async (text) =>
    rows(await query(emu, { sql: "SELECT rowid FROM torrents_fts WHERE torrents_fts MATCH ?", params: [text] })).map((r) => r.rowid);
  assert.deepEqual(await search('"cafe"'), [created.id], "remove_diacritics 2");
  assert.deepEqual(await search('"subs"'), [created.id], "file paths are indexed");

  await query(emu, {
    sql: "UPDATE torrents SET category_id = (SELECT id FROM categories WHERE slug = ?), name = ? WHERE id = CAST(? AS INTEGER)",
    params: ["software", "Ubuntu ISO", String(created.id)],
  });
  assert.deepEqual(rows(await query(emu, { sql: "SELECT slug, torrent_count FROM categories ORDER BY slug" })), [
    { slug: "movies", torrent_count: 0 },
    { slug: "software", torrent_count: 1 },
  ]);
  assert.deepEqual(await search('"cafe"'), [], "the old name left the index");
  assert.deepEqual(await search('"ubuntu"'), [created.id]);

  // CHECKs hold: a bad hash and bad JSON are refused.
  const bad = await query(
    emu,
    {
      sql: "INSERT INTO torrents (info_hash, name, name_key, category_id, uploaded_at) VALUES (?, 'x', 'x', 1, 0)",
      params: ["NOT-HEX"],
    },
    { allowError: true },
  );
  assert.equal(bad.status, 400);
  assert.match(bad.json.errors[0].message, /CHECK constraint failed/);

  // Accounts: WITHOUT ROWID, the unique email, the cascade from users.
  const user = ["u1", "a@example.com", "A", "$argon2id$x", "1767225600", "1767225600"];
  await query(emu, {
    batch: [
      {
        sql: "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        params: user,
      },
      {
        sql: "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        params: ["f".repeat(64), "u1", "1767225600", "1767229200"],
      },
      {
        sql: "INSERT INTO activities (user_id, type, torrent_id, info_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        params: ["u1", "view", String(created.id), "a".repeat(40), "1767225600"],
      },
    ],
  });
  const dup = await query(
    emu,
    {
      sql: "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
      params: ["u2", ...user.slice(1)],
    },
    { allowError: true },
  );
  assert.equal(dup.status, 400);
  assert.match(dup.json.errors[0].message, /UNIQUE constraint failed: users\.email/);
  // D1 enforces foreign keys (PRAGMA foreign_keys is on there), so deleting the user cascades.
  await query(emu, { sql: "DELETE FROM users WHERE id = ?", params: ["u1"] });
  const left = await query(emu, {
    sql: "SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM activities) AS activities",
  });
  assert.deepEqual(rows(left), [{ sessions: 0, activities: 0 }]);

  // Deleting a torrent fixes the count and the index.
  await query(emu, { sql: "DELETE FROM torrents WHERE id = CAST(? AS INTEGER)", params: [String(created.id)] });
  assert.deepEqual(await search('"ubuntu"'), []);
  assert.deepEqual(rows(await query(emu, { sql: "SELECT sum(torrent_count) AS n FROM categories" })), [{ n: 0 }]);
}

describe("the project's migrations on D1 under workerd", () => {
  let emu;
  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu?.stop();
  });

  test("applied as adapters/r1 applies them: one batch per file, recorded in d1_migrations", async () => {
    const files = await migrations();
    assert.ok(files.length >= 2, "the migrations are there");
    await query(emu, { sql: createMigrationsTable });
    for (const { name, sql } of files) {
      const statements = splitStatements(sql);
      const res = await query(emu, {
        batch: [
          { sql: "INSERT INTO d1_migrations (name) VALUES (?)", params: [name] },
          ...statements.map((s) => ({ sql: s })),
        ],
      });
      assert.equal(res.json.result.length, statements.length + 1, name);
    }
    // Applying one again is refused by the unique name, and the whole batch rolls back.
    const again = await query(
      emu,
      { batch: [{ sql: "INSERT INTO d1_migrations (name) VALUES (?)", params: [files[0].name] }, { sql: "CREATE TABLE x (a)" }] },
      { allowError: true },
    );
    assert.match(again.json.errors[0].message, /UNIQUE constraint failed: d1_migrations\.name/);
    const applied = await query(emu, { sql: "SELECT name FROM d1_migrations ORDER BY id" });
    assert.deepEqual(rows(applied).map((r) => r.name), files.map((f) => f.name));
    await exerciseSchema(emu);
  });
});

describe("the project's migrations as whole files", () => {
  let emu;
  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu?.stop();
  });

  test("each file sent as one multi-statement sql, as `wrangler d1 execute --file` would", async () => {
    for (const { name, sql } of await migrations()) {
      const res = await query(emu, { sql }, { allowError: true });
      assert.equal(res.status, 200, `${name}: ${res.text}`);
      assert.equal(res.json.result.length, splitStatements(sql).length, name);
    }
    await exerciseSchema(emu);
  });
});
