import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { NS, call, kvPath, startEmulator } from "./helpers.mjs";

let emu;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

// The key as cloudflare-go's caller must send it: path-escaped (Go's url.PathEscape escapes "/" too).
const valuePath = (ns, key, query = "") => kvPath(ns, `values/${encodeURIComponent(key)}${query}`);

// The body cloudflare-go v7 sends for PUT .../values/:key: multipart/form-data with a "value" field
// and, when given, a "metadata" field, written by hand the way Go's mime/multipart writes it.
function goMultipart(fields) {
  const boundary = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e";
  const enc = new TextEncoder();
  const chunks = [];
  for (const [name, value] of fields) {
    chunks.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`));
    chunks.push(typeof value === "string" ? enc.encode(value) : value);
    chunks.push(enc.encode("\r\n"));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return { body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

async function put(ns, key, value, { ttl, metadata } = {}) {
  const fields = [["value", value]];
  if (metadata !== undefined) fields.push(["metadata", JSON.stringify(metadata)]);
  const query = ttl === undefined ? "" : `?expiration_ttl=${ttl}`;
  return call(emu, "PUT", valuePath(ns, key, query), goMultipart(fields));
}

const get = (ns, key) => call(emu, "GET", valuePath(ns, key));

describe("KV values", () => {
  test("put (multipart, as cloudflare-go sends it), get, delete, then 404 with code 10009", async () => {
    const put1 = await put(NS, "session:abc", '{"user":"u1"}', { ttl: 3600, metadata: { v: 1 } });
    assert.equal(put1.status, 200);
    assert.equal(put1.json.success, true);
    const got = await get(NS, "session:abc");
    assert.equal(got.status, 200);
    assert.equal(got.text, '{"user":"u1"}');
    const del = await call(emu, "DELETE", valuePath(NS, "session:abc"));
    assert.equal(del.status, 200);
    assert.equal(del.json.success, true);
    const gone = await get(NS, "session:abc");
    assert.equal(gone.status, 404);
    assert.equal(gone.json.success, false);
    assert.deepEqual(gone.json.errors, [{ code: 10009, message: "get: 'key not found'" }]);
    // Deleting what is not there succeeds, as on Cloudflare.
    assert.equal((await call(emu, "DELETE", valuePath(NS, "never"))).status, 200);
  });

  test("a raw body is a value too, and binary values round-trip byte for byte", async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    assert.equal((await call(emu, "PUT", valuePath(NS, "raw-bin"), { body: bytes })).status, 200);
    assert.deepEqual((await get(NS, "raw-bin")).bytes, bytes);
    assert.equal((await put(NS, "mp-bin", bytes)).status, 200);
    assert.deepEqual((await get(NS, "mp-bin")).bytes, bytes);
    assert.equal((await put(NS, "empty", "")).status, 200);
    const empty = await get(NS, "empty");
    assert.equal(empty.status, 200);
    assert.equal(empty.bytes.length, 0);
  });

  test("keys are path-escaped by the client and decoded here; 512 bytes are allowed, 513 are not", async () => {
    for (const key of ["a/b/c", "100%", "sp ace?#&=+", "ünï©ødé", "k".repeat(512)]) {
      assert.equal((await put(NS, key, `v:${key}`)).status, 200, key);
      assert.equal((await get(NS, key)).text, `v:${key}`, key);
    }
    const long = await put(NS, "k".repeat(513), "v");
    assert.equal(long.status, 414);
    assert.equal(long.json.success, false);
    // A key given with a literal "/" (not escaped) is the same key.
    const literal = await call(emu, "GET", kvPath(NS, "values/a/b/c"));
    assert.equal(literal.text, "v:a/b/c");
  });

  test("expiration_ttl below 60 is refused as Cloudflare refuses it; 60 is fine", async () => {
    const short = await put(NS, "ttl", "v", { ttl: 30 });
    assert.equal(short.status, 400);
    assert.equal(short.json.success, false);
    assert.match(short.json.errors[0].message, /Invalid expiration_ttl of 30\. Expiration TTL must be at least 60\./);
    assert.equal((await put(NS, "ttl", "v", { ttl: 0 })).status, 400);
    assert.equal((await put(NS, "ttl", "v", { ttl: "abc" })).status, 400);
    assert.equal((await put(NS, "ttl", "v", { ttl: 60 })).status, 200);
    assert.equal((await get(NS, "ttl")).text, "v");
  });

  test("metadata over 1024 bytes is refused with KV's words", async () => {
    const res = await put(NS, "meta", "v", { metadata: { x: "y".repeat(2000) } });
    assert.equal(res.status, 413);
    assert.match(res.json.errors[0].message, /Metadata length of \d+ exceeds limit of 1024/);
  });

  test("namespaces are isolated from one another", async () => {
    await put(NS, "shared-key", "in cache");
    await put("0123456789abcdef0123456789abcdef", "shared-key", "in other");
    assert.equal((await get(NS, "shared-key")).text, "in cache");
    assert.equal((await get("0123456789abcdef0123456789abcdef", "shared-key")).text, "in other");
    assert.equal((await get("third", "shared-key")).status, 404);
    // A namespace whose id is a prefix of another's keys cannot reach them.
    await put("a", "b:c", "a's");
    assert.equal((await get("a:b", "c")).status, 404);
  });
});

describe("KV bulk", () => {
  test("bulk write, bulk get (text, json, withMetadata), bulk delete (POST .../bulk/delete)", async () => {
    const write = await call(emu, "PUT", kvPath(NS, "bulk"), {
      body: [
        { key: "b1", value: '{"n":1}', expiration_ttl: 300 },
        { key: "b2", value: "plain", metadata: { m: true } },
        { key: "b3", value: btoa("\u0000\u0001bin"), base64: true },
      ],
    });
    assert.equal(write.status, 200);
    assert.deepEqual(write.json.result, { successful_key_count: 3, unsuccessful_keys: [] });
    assert.equal((await get(NS, "b2")).text, "plain");
    assert.deepEqual((await get(NS, "b3")).bytes, new Uint8Array([0, 1, 98, 105, 110]));

    const text = await call(emu, "POST", kvPath(NS, "bulk/get"), { body: { keys: ["b1", "b2", "missing"] } });
    assert.equal(text.status, 200);
    assert.deepEqual(text.json.result, { values: { b1: '{"n":1}', b2: "plain", missing: null } });
    const json = await call(emu, "POST", kvPath(NS, "bulk/get"), { body: { keys: ["b1"], type: "json" } });
    assert.deepEqual(json.json.result, { values: { b1: { n: 1 } } });
    const meta = await call(emu, "POST", kvPath(NS, "bulk/get"), { body: { keys: ["b2", "missing"], withMetadata: true } });
    assert.deepEqual(meta.json.result, { values: { b2: { value: "plain", metadata: { m: true } }, missing: null } });

    const del = await call(emu, "POST", kvPath(NS, "bulk/delete"), { body: ["b1", "b2", "missing"] });
    assert.equal(del.status, 200);
    assert.deepEqual(del.json.result, { successful_key_count: 3, unsuccessful_keys: [] });
    assert.equal((await get(NS, "b1")).status, 404);
    // The older DELETE .../bulk with the same body works too.
    assert.equal((await call(emu, "DELETE", kvPath(NS, "bulk"), { body: ["b3"] })).status, 200);
    assert.equal((await get(NS, "b3")).status, 404);
  });

  test("a bulk write with one invalid entry writes nothing", async () => {
    const res = await call(emu, "PUT", kvPath(NS, "bulk"), {
      body: [
        { key: "ok1", value: "v" },
        { key: "bad", value: "v", expiration_ttl: 10 },
      ],
    });
    assert.equal(res.status, 400);
    assert.match(res.json.errors[0].message, /Expiration TTL must be at least 60/);
    assert.equal((await get(NS, "ok1")).status, 404);
  });

  test("bulk limits: more than 100 keys per get and 10,000 per write are refused", async () => {
    const keys = Array.from({ length: 101 }, (_, i) => `k${i}`);
    assert.equal((await call(emu, "POST", kvPath(NS, "bulk/get"), { body: { keys } })).status, 400);
    const many = Array.from({ length: 10_001 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    assert.equal((await call(emu, "PUT", kvPath(NS, "bulk"), { body: many })).status, 400);
  });

  test("a bulk write of 500 keys lands whole", async () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ key: `many:${i}`, value: String(i), expiration_ttl: 120 }));
    const res = await call(emu, "PUT", kvPath(NS, "bulk"), { body: items });
    assert.deepEqual(res.json.result, { successful_key_count: 500, unsuccessful_keys: [] });
    assert.equal((await get(NS, "many:499")).text, "499");
  });
});
