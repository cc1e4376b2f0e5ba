import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DB_ID, DB_NAME, call, d1Path, query, startEmulator } from "./helpers.mjs";

let emu;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

const rowsOf = (res, i = 0) => res.json.result[i].results;

describe("D1 query", () => {
  test("a single statement answers in the API's envelope", async () => {
    const res = await query(emu, { sql: "SELECT 1 AS one, 'x' AS s, NULL AS n, 2.5 AS f" });
    assert.equal(res.status, 200);
    assert.equal(res.json.success, true);
    assert.deepEqual(res.json.errors, []);
    assert.deepEqual(res.json.messages, []);
    assert.equal(res.json.result.length, 1);
    const r = res.json.result[0];
    assert.equal(r.success, true);
    assert.deepEqual(r.results, [{ one: 1, s: "x", n: null, f: 2.5 }]);
    for (const k of ["changes", "last_row_id", "duration", "rows_read", "rows_written", "changed_db"]) {
      assert.ok(k in r.meta, `meta.${k}`);
    }
    assert.equal(typeof r.meta.timings.sql_duration_ms, "number");
  });

  test("the database is reachable by name and by uuid, and an unknown one is a 404", async () => {
    for (const db of [DB_NAME, DB_ID, DB_ID.toUpperCase()]) {
      const res = await call(emu, "POST", d1Path(db), { body: { sql: "SELECT 1 AS x" } });
      assert.equal(res.status, 200, db);
    }
    const res = await call(emu, "POST", d1Path("other"), { body: { sql: "SELECT 1" } });
    assert.equal(res.status, 404);
    assert.equal(res.json.success, false);
    assert.equal(res.json.errors[0].code, 7404);
  });

  test("STRICT tables take numbers bound as strings, and RETURNING answers the row", async () => {
    await query(emu, {
      sql: "CREATE TABLE strict_t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, r REAL, s TEXT NOT NULL, b BLOB) STRICT",
    });
    const res = await query(emu, {
      sql: "INSERT INTO strict_t (n, r, s, b) VALUES (?, ?, ?, X'00ff10') RETURNING id, n, r, s, b, typeof(n) AS tn",
      params: ["42", "1.5", "007"],
    });
    assert.deepEqual(rowsOf(res), [{ id: 1, n: 42, r: 1.5, s: "007", b: [0, 255, 16], tn: "integer" }]);
    assert.equal(res.json.result[0].meta.changes, 1);
    assert.equal(res.json.result[0].meta.last_row_id, 1);
    // Text that is not a lossless number is refused by STRICT, with SQLite's words.
    const bad = await query(emu, { sql: "INSERT INTO strict_t (n, s) VALUES (?, ?)", params: ["4x", "a"] }, { allowError: true });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errors[0].code, 7500);
    assert.match(bad.json.errors[0].message, /cannot store TEXT value in INTEGER column strict_t\.n/);
  });

  test("params: strings as D1's REST API sends them, and numbers, booleans and null too", async () => {
    const res = await query(emu, {
      sql: "SELECT ? + 1 AS a, CAST(? AS INTEGER) AS b, typeof(?) AS c, ? AS d, ? AS e, ? IS NULL AS f",
      params: ["41", "7", "7", 3, true, null],
    });
    assert.deepEqual(rowsOf(res), [{ a: 42, b: 7, c: "text", d: 3, e: 1, f: 1 }]);
    const limited = await query(emu, {
      sql: "SELECT value FROM json_each('[1,2,3,4]') LIMIT ? OFFSET ?",
      params: ["2", "1"],
    });
    assert.deepEqual(rowsOf(limited), [{ value: 2 }, { value: 3 }]);
    const wrong = await query(emu, { sql: "SELECT ?", params: [{ a: 1 }] }, { allowError: true });
    assert.equal(wrong.status, 400);
  });

  test("a batch is one transaction: a failing second statement rolls back the first", async () => {
    await query(emu, { sql: "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE) STRICT" });
    await query(emu, { sql: "INSERT INTO accounts (email) VALUES (?)", params: ["a@x"] });
    const res = await query(
      emu,
      {
        batch: [
          { sql: "INSERT INTO accounts (email) VALUES (?)", params: ["b@x"] },
          { sql: "INSERT INTO accounts (email) VALUES (?)", params: ["a@x"] },
        ],
      },
      { allowError: true },
    );
    assert.equal(res.status, 400);
    assert.equal(res.json.success, false);
    assert.equal(res.json.errors[0].code, 7500);
    assert.match(res.json.errors[0].message, /UNIQUE constraint failed: accounts\.email/);
    const left = await query(emu, { sql: "SELECT email FROM accounts ORDER BY id" });
    assert.deepEqual(rowsOf(left), [{ email: "a@x" }]);

    const good = await query(emu, {
      batch: [
        { sql: "INSERT INTO accounts (email) VALUES (?) RETURNING id", params: ["c@x"] },
        { sql: "UPDATE accounts SET email = upper(email) WHERE email = ?", params: ["c@x"] },
        { sql: "SELECT count(*) AS n FROM accounts" },
      ],
    });
    assert.equal(good.json.result.length, 3);
    // id 2 again: the rolled-back insert left no trace, not even a used rowid.
    assert.deepEqual(rowsOf(good, 0), [{ id: 2 }]);
    assert.equal(good.json.result[1].meta.changes, 1);
    assert.deepEqual(rowsOf(good, 2), [{ n: 2 }]);
  });

  test("the UNIQUE violation keeps D1's text, for the Go side to map to a conflict", async () => {
    await query(emu, { sql: "CREATE TABLE u1 (k TEXT PRIMARY KEY) STRICT, WITHOUT ROWID" });
    await query(emu, { sql: "INSERT INTO u1 VALUES (?)", params: ["k"] });
    const res = await query(emu, { sql: "INSERT INTO u1 VALUES (?)", params: ["k"] }, { allowError: true });
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.json).sort(), ["errors", "messages", "result", "success"]);
    assert.match(res.json.errors[0].message, /^UNIQUE constraint failed: u1\.k: SQLITE_CONSTRAINT/);
  });

  test("syntax errors and D1's own limits come back as 7500 with D1's text", async () => {
    const syntax = await query(emu, { sql: "SELEC 1" }, { allowError: true });
    assert.equal(syntax.status, 400);
    assert.match(syntax.json.errors[0].message, /near "SELEC": syntax error/);
    const params = await query(
      emu,
      { sql: `SELECT ${Array(101).fill("?").join(",")}`, params: Array(101).fill("1") },
      { allowError: true },
    );
    assert.match(params.json.errors[0].message, /too many SQL variables/);
    const long = await query(emu, { sql: `SELECT '${"x".repeat(100_001)}'` }, { allowError: true });
    assert.match(long.json.errors[0].message, /statement too long: SQLITE_TOOBIG/);
    const tx = await query(emu, { sql: "BEGIN TRANSACTION" }, { allowError: true });
    assert.equal(tx.status, 400);
  });

  test("several statements in one sql run as one batch with one result each", async () => {
    const res = await query(emu, {
      sql: `-- a comment; with a semicolon
        CREATE TABLE multi (id INTEGER PRIMARY KEY, v TEXT) STRICT;
        INSERT INTO multi (v) VALUES ('a;b'), ("c");
        CREATE TRIGGER multi_ai AFTER INSERT ON multi BEGIN
          UPDATE multi SET v = CASE WHEN new.v = 'x' THEN 'X' ELSE new.v END WHERE id = new.id;
        END;
        SELECT v FROM multi ORDER BY id;`,
    });
    assert.equal(res.json.result.length, 4);
    assert.deepEqual(rowsOf(res, 3), [{ v: "a;b" }, { v: "c" }]);
    // Atomic like a batch: a failing last statement leaves nothing of the others.
    const bad = await query(emu, { sql: "INSERT INTO multi (v) VALUES ('z'); INSERT INTO nope VALUES (1)" }, { allowError: true });
    assert.equal(bad.status, 400);
    const left = await query(emu, { sql: "SELECT count(*) AS n FROM multi WHERE v = 'z'" });
    assert.deepEqual(rowsOf(left), [{ n: 0 }]);
    // With params, one statement per request: several are refused rather than guessed at.
    const withParams = await query(emu, { sql: "SELECT ?; SELECT ?", params: ["1", "2"] }, { allowError: true });
    assert.equal(withParams.status, 400);
  });

  test("FTS5, including contentless tables and remove_diacritics", async () => {
    await query(emu, {
      sql: `CREATE VIRTUAL TABLE docs USING fts5(title, body, content = '', tokenize = 'unicode61 remove_diacritics 2')`,
    });
    await query(emu, {
      batch: [
        { sql: "INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", params: ["1", "Café Society", "a film"] },
        { sql: "INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", params: ["2", "Ubuntu ISO", "linux image"] },
      ],
    });
    const res = await query(emu, {
      sql: "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs)",
      params: ['"cafe"'],
    });
    assert.deepEqual(rowsOf(res), [{ rowid: 1 }]);
    const prefix = await query(emu, { sql: "SELECT rowid FROM docs WHERE docs MATCH ?", params: ['"lin"*'] });
    assert.deepEqual(rowsOf(prefix), [{ rowid: 2 }]);
  });

  test("JSON functions and unixepoch()", async () => {
    const res = await query(emu, {
      sql: `SELECT json_extract(?, '$.a.b') AS b, json_array_length(?) AS n, json_valid('{') AS bad,
              (SELECT group_concat(json_extract(value, '$.path'), ',') FROM json_each(?)) AS paths,
              unixepoch() AS now, unixepoch('2026-01-01 00:00:00') AS fixed`,
      params: ['{"a":{"b":"deep"}}', "[1,2,3]", '[{"path":"a"},{"path":"b"}]'],
    });
    const [row] = rowsOf(res);
    assert.equal(row.b, "deep");
    assert.equal(row.n, 3);
    assert.equal(row.bad, 0);
    assert.equal(row.paths, "a,b");
    assert.equal(row.fixed, 1767225600);
    assert.ok(Math.abs(row.now - Date.now() / 1000) < 120);
  });

  test("/raw answers columns and rows", async () => {
    const res = await query(emu, { sql: "SELECT 1 AS a, 'b' AS b UNION ALL SELECT 2, 'c'" }, { what: "raw" });
    assert.deepEqual(res.json.result[0].results, { columns: ["a", "b"], rows: [[1, "b"], [2, "c"]] });
    assert.equal(res.json.result[0].success, true);
  });

  test("malformed bodies are 400s in the envelope", async () => {
    for (const body of ["{", "[]", JSON.stringify({ sql: 1 }), JSON.stringify({ batch: [] }), JSON.stringify({ batch: [{}] })]) {
      const res = await call(emu, "POST", d1Path(), { body, headers: { "content-type": "application/json" } });
      assert.equal(res.status, 400, body);
      assert.equal(res.json.success, false);
      assert.equal(typeof res.json.errors[0].code, "number");
    }
  });
});

describe("D1 databases", () => {
  test("list by name resolves the name to the uuid, and pages end", async () => {
    const res = await call(emu, "GET", "/accounts/any-account/d1/database?name=streamer");
    assert.equal(res.status, 200);
    assert.equal(res.json.result.length, 1);
    assert.equal(res.json.result[0].uuid, DB_ID);
    assert.equal(res.json.result[0].name, "streamer");
    assert.equal(res.json.result_info.total_count, 1);
    const page2 = await call(emu, "GET", "/accounts/any-account/d1/database?name=streamer&page=2");
    assert.deepEqual(page2.json.result, []);
    const none = await call(emu, "GET", "/accounts/any-account/d1/database?name=nothing-like-it");
    assert.deepEqual(none.json.result, []);
  });

  test("get by name or uuid", async () => {
    for (const db of [DB_NAME, DB_ID]) {
      const res = await call(emu, "GET", `/accounts/a/d1/database/${db}`);
      assert.equal(res.status, 200);
      assert.equal(res.json.result.uuid, DB_ID);
      assert.equal(res.json.result.name, DB_NAME);
      assert.equal(typeof res.json.result.file_size, "number");
      assert.ok(res.json.result.num_tables >= 1);
    }
  });
});
