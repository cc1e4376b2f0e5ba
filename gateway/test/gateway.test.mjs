import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { NS, call, d1Path, kvPath, query, startEmulator } from "./helpers.mjs";

let emu;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

describe("auth", () => {
  test("no token, a wrong token, or another scheme is a 401 in Cloudflare's shape", async () => {
    const cases = [
      { token: null },
      { token: "wrong-token" },
      { token: "test-token-but-longer" },
      { token: null, headers: { authorization: "Basic dGVzdC10b2tlbg==" } },
      { token: null, headers: { authorization: "Bearer" } },
    ];
    for (const c of cases) {
      for (const [method, p] of [
        ["POST", d1Path()],
        ["GET", kvPath(NS, "values/k")],
        ["GET", "/accounts/a/d1/database"],
        ["GET", "/_gateway/stats"],
        ["GET", "/no/such/route"],
      ]) {
        const res = await call(emu, method, p, { ...c, body: method === "POST" ? { sql: "SELECT 1" } : undefined });
        assert.equal(res.status, 401, `${method} ${p} ${JSON.stringify(c)}`);
        assert.deepEqual(res.json, {
          success: false,
          errors: [{ code: 10000, message: "Authentication error" }],
          messages: [],
          result: null,
        });
      }
    }
  });

  test("any account id is accepted with the right token", async () => {
    for (const account of ["emulator", "0123456789abcdef0123456789abcdef", "x"]) {
      const res = await call(emu, "POST", `/accounts/${account}/d1/database/streamer/query`, { body: { sql: "SELECT 1 AS one" } });
      assert.equal(res.status, 200, account);
    }
  });
});

describe("routes", () => {
  test("unknown routes are 404s in Cloudflare's shape; wrong methods are 405s", async () => {
    for (const p of ["/accounts/a/workers/scripts", "/accounts/a/d1/database/streamer/export", "/accounts/a/storage/kv/namespaces/x/keys", "/zones"]) {
      const res = await call(emu, "GET", p);
      assert.equal(res.status, 404, p);
      assert.equal(res.json.success, false);
      assert.deepEqual(res.json.errors.map((e) => e.code), [7003, 7000]);
    }
    const outside = await fetch(`${emu.origin}/`);
    assert.equal(outside.status, 404);
    const wrong = await call(emu, "GET", d1Path());
    assert.equal(wrong.status, 405);
    assert.equal(wrong.json.success, false);
  });

  test("bodies above the limits are 413s", async () => {
    const big = "x".repeat(10 * 1024 * 1024 + 1);
    const res = await call(emu, "POST", d1Path(), { body: big, headers: { "content-type": "application/json" } });
    assert.equal(res.status, 413);
    assert.equal(res.json.success, false);
    const value = new Uint8Array(26 * 1024 * 1024);
    const kv = await call(emu, "PUT", kvPath(NS, "values/big"), { body: value });
    assert.equal(kv.status, 413);
  });
});

describe("stats", () => {
  test("counts requests per service and resets", async () => {
    const reset = await call(emu, "DELETE", "/_gateway/stats");
    assert.equal(reset.status, 200);
    assert.equal(reset.json.requests, 0);

    await query(emu, { sql: "SELECT 1" });
    await query(emu, { batch: [{ sql: "SELECT 1" }, { sql: "SELECT 2" }] });
    await query(emu, { sql: "SELEC" }, { allowError: true });
    await call(emu, "GET", "/accounts/a/d1/database?name=streamer");
    await call(emu, "PUT", kvPath(NS, "values/s1"), { body: "v" });
    await call(emu, "GET", kvPath(NS, "values/s1"));
    await call(emu, "GET", kvPath(NS, "values/nope"));
    await call(emu, "DELETE", kvPath(NS, "values/s1"));
    await call(emu, "PUT", kvPath(NS, "bulk"), { body: [{ key: "s2", value: "v" }, { key: "s3", value: "v" }] });
    await call(emu, "POST", kvPath(NS, "bulk/get"), { body: { keys: ["s2", "s3", "s4"] } });
    await call(emu, "POST", kvPath(NS, "bulk/delete"), { body: ["s2", "s3"] });
    await call(emu, "GET", "/accounts/a/d1/database", { token: "wrong" });
    await call(emu, "GET", "/nothing");

    const { json: s } = await call(emu, "GET", "/_gateway/stats");
    assert.equal(s.requests, 13);
    assert.equal(s.unauthorized, 1);
    assert.equal(s.not_found, 1);
    assert.deepEqual(s.d1, { requests: 4, errors: 1, statements: 4, query: 3, raw: 0, list: 1, get: 0 });
    assert.deepEqual(s.kv, {
      requests: 7,
      errors: 0,
      get: 2,
      put: 1,
      delete: 1,
      bulk_put: 1,
      bulk_delete: 1,
      bulk_get: 1,
      keys_read: 3,
      keys_written: 3,
      keys_deleted: 3,
    });
  });
});

describe("the emulator process", () => {
  test("keeps D1 and KV in EMULATOR_STATE across restarts, and exits 0 on SIGTERM", async () => {
    const state = await mkdtemp(path.join(tmpdir(), "gateway-state-"));
    try {
      const first = await startEmulator({ state });
      await query(first, { sql: "CREATE TABLE kept (v TEXT) STRICT; INSERT INTO kept VALUES ('still here')" });
      await call(first, "PUT", kvPath(NS, "values/kept"), { body: "kv too" });
      assert.deepEqual(await first.stop(), { code: 0, signal: null });

      const second = await startEmulator({ state });
      const res = await query(second, { sql: "SELECT v FROM kept" });
      assert.deepEqual(res.json.result[0].results, [{ v: "still here" }]);
      assert.equal((await call(second, "GET", kvPath(NS, "values/kept"))).text, "kv too");
      assert.deepEqual(await second.stop(), { code: 0, signal: null });
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });

  test("a token other than the default is the one required", async () => {
    const other = await startEmulator({ token: "s3cret" });
    try {
      assert.equal((await call(other, "GET", "/_gateway/stats", { token: "test-token" })).status, 401);
      assert.equal((await call(other, "GET", "/_gateway/stats", { token: "s3cret" })).status, 200);
    } finally {
      await other.stop();
    }
  });
});
