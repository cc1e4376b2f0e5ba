// The streamer gateway: a Worker that answers the Cloudflare API's request and answer shapes for the
// D1 and KV endpoints the Go adapters call (through github.com/cloudflare/cloudflare-go/v7), on top of
// real D1 and KV bindings, behind a bearer token.
//
// Deployed (wrangler deploy), it is the way around the public API's 1200-requests-per-5-minutes limit:
// point CF_API_BASE_URL at https://<worker>/client/v4. Run under workerd by emulator.mjs, it is the
// local Cloudflare the integration tests use. Same code, same shapes, in both places.
//
// Bindings and vars (wrangler.toml, emulator.mjs):
//   DB                the D1 database
//   CACHE             the KV namespace; every namespace id in a URL maps onto it (see kvStorageKey)
//   GATEWAY_TOKEN     secret: the bearer token callers must present (unset: every call is refused)
//   D1_DATABASE_NAME  the name callers may use for DB (default "streamer")
//   D1_DATABASE_ID    the uuid callers may use for DB and that list/get report
//   KV_NAMESPACE_ID   the namespace id whose keys are stored unprefixed (see kvStorageKey)

import { splitStatements } from "./sql.js";

const API_PREFIX = "/client/v4";

const DEFAULT_DATABASE_NAME = "streamer";
const DEFAULT_DATABASE_ID = "00000000-0000-4000-8000-73747265616d";
// A fixed creation time: the bound database has no API to ask it, and a stable answer beats "now".
const DATABASE_CREATED_AT = "2026-01-01T00:00:00.000Z";

const MiB = 1024 * 1024;
const LIMITS = {
  d1Body: 10 * MiB, // a query or batch request
  kvValueBody: 25 * MiB + 64 * 1024, // KV's 25 MiB value, plus multipart framing
  kvBulkBody: 32 * MiB, // a bulk write; the Worker's memory, not the API's 100 MB, is the bound
  kvSmallBody: 4 * MiB, // bulk get and bulk delete bodies: key lists
  kvKeyBytes: 512,
  kvValueBytes: 25 * MiB,
  kvBulkKeys: 10_000,
  kvBulkGetKeys: 100,
  kvMinTTL: 60,
  kvWriteConcurrency: 32,
};

// Cloudflare's error codes where the API has a known one; the others are the gateway's own and are
// listed in README.md.
const CODE = {
  authentication: 10000,
  kvKeyNotFound: 10009,
  kvInvalid: 10026, // any rejected KV write or read argument
  d1Query: 7500,
  d1NotFound: 7404,
  d1Invalid: 7400,
  malformedJSON: 6007,
  noRoute: 7000,
  couldNotRoute: 7003,
  methodNotAllowed: 7001,
  tooLarge: 413,
  internal: 10001,
};

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Counters, per isolate: workerd runs one isolate locally, so they are exact in the emulator. A
// deployed Worker runs many isolates, each with its own counters; read them as a sample there.

function newStats() {
  return {
    started_at: new Date().toISOString(),
    requests: 0,
    unauthorized: 0,
    not_found: 0,
    d1: { requests: 0, errors: 0, statements: 0, query: 0, raw: 0, list: 0, get: 0 },
    kv: {
      requests: 0,
      errors: 0,
      get: 0,
      put: 0,
      delete: 0,
      bulk_put: 0,
      bulk_delete: 0,
      bulk_get: 0,
      keys_read: 0,
      keys_written: 0,
      keys_deleted: 0,
    },
  };
}

let stats = newStats();

// ---------------------------------------------------------------------------------------------
// Responses in Cloudflare's envelope.

function jsonResponse(status, body, headers) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function ok(result, extra) {
  return jsonResponse(200, { success: true, errors: [], messages: [], result, ...extra });
}

function failure(status, errors, headers) {
  return jsonResponse(status, { success: false, errors, messages: [], result: null }, headers);
}

// ---------------------------------------------------------------------------------------------
// Authentication: the Authorization header against GATEWAY_TOKEN, in constant time. Both sides are
// hashed first, so neither the comparison nor an early length check reveals anything.

const encoder = new TextEncoder();
let secretDigest = { secret: undefined, digest: undefined };

async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

async function authorized(request, env) {
  const secret = env.GATEWAY_TOKEN;
  if (typeof secret !== "string" || secret === "") {
    console.error("gateway: GATEWAY_TOKEN is not set; refusing every request");
    return false;
  }
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get("authorization") ?? "");
  if (!match) return false;
  if (secretDigest.secret !== secret) {
    secretDigest = { secret, digest: await sha256(secret) };
  }
  const presented = await sha256(match[1]);
  return timingSafeEqual(presented, secretDigest.digest);
}

function timingSafeEqual(a, b) {
  if (typeof crypto.subtle.timingSafeEqual === "function") {
    return crypto.subtle.timingSafeEqual(a, b); // workerd's, on equal-length digests
  }
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// ---------------------------------------------------------------------------------------------
// Bodies, bounded: a body above the limit is a 413 and is never buffered. It is still read to its end
// (up to a far larger bound) before the answer, because clients that are still sending when the
// connection closes report a broken pipe instead of the 413.

const DRAIN_LIMIT = 256 * MiB;

async function readBody(request, limit) {
  const tooLarge = () => new HttpError(413, CODE.tooLarge, `request body too large: the limit is ${limit} bytes`);
  const declared = request.headers.get("content-length");
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  let over = declared !== null && Number(declared) > limit;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) over = true;
    if (over) {
      chunks.length = 0;
      if (total > DRAIN_LIMIT) {
        await reader.cancel().catch(() => {});
        break;
      }
      continue;
    }
    chunks.push(value);
  }
  if (over) throw tooLarge();
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

async function readJSON(request, limit) {
  const bytes = await readBody(request, limit);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, CODE.malformedJSON, "Malformed JSON in request body");
  }
}

// ---------------------------------------------------------------------------------------------
// Routing.

export default {
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (err) {
      if (err instanceof HttpError) {
        return failure(err.status, [{ code: err.code, message: err.message }]);
      }
      console.error("gateway: unexpected error", err?.stack ?? err);
      return failure(500, [{ code: CODE.internal, message: "internal error in the gateway" }]);
    }
  },
};

function notFound(pathname) {
  stats.not_found++;
  return failure(404, [
    { code: CODE.couldNotRoute, message: `Could not route to ${pathname}, perhaps your object identifier is invalid?` },
    { code: CODE.noRoute, message: "No route for that URI" },
  ]);
}

function methodNotAllowed(allowed) {
  return failure(405, [{ code: CODE.methodNotAllowed, message: "Method not allowed for this endpoint" }], {
    allow: allowed.join(", "),
  });
}

function decodeSegment(raw) {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, CODE.d1Invalid, `malformed percent-encoding in the path: ${raw}`);
  }
}

async function route(request, env) {
  const url = new URL(request.url);
  const pathname = url.pathname;
  if (pathname !== API_PREFIX && !pathname.startsWith(API_PREFIX + "/")) {
    return notFound(pathname);
  }
  const isStats = pathname === `${API_PREFIX}/_gateway/stats`;
  if (!isStats) stats.requests++;
  if (!(await authorized(request, env))) {
    stats.unauthorized++;
    return failure(401, [{ code: CODE.authentication, message: "Authentication error" }]);
  }
  if (isStats) {
    if (request.method === "GET") return jsonResponse(200, stats);
    if (request.method === "DELETE") {
      stats = newStats();
      return jsonResponse(200, stats);
    }
    return methodNotAllowed(["GET", "DELETE"]);
  }

  const rest = pathname.slice(API_PREFIX.length + 1);
  const raw = rest.split("/");
  // accounts/:account/...
  if (raw[0] !== "accounts" || raw.length < 3 || raw[1] === "") return notFound(pathname);
  const tail = raw.slice(2);

  // d1/database[/:db[/query|/raw]]
  if (tail[0] === "d1" && tail[1] === "database") {
    if (tail.length === 2) {
      if (request.method !== "GET") return methodNotAllowed(["GET"]);
      return d1List(url, env);
    }
    const db = decodeSegment(tail[2]);
    if (tail.length === 3) {
      if (request.method !== "GET") return methodNotAllowed(["GET"]);
      return d1Get(db, env);
    }
    if (tail.length === 4 && (tail[3] === "query" || tail[3] === "raw")) {
      if (request.method !== "POST") return methodNotAllowed(["POST"]);
      return d1Query(request, env, db, tail[3]);
    }
    return notFound(pathname);
  }

  // storage/kv/namespaces/:ns/(values/:key | bulk | bulk/delete | bulk/get)
  if (tail[0] === "storage" && tail[1] === "kv" && tail[2] === "namespaces" && tail.length >= 5 && tail[3] !== "") {
    const ns = decodeSegment(tail[3]);
    const what = tail.slice(4);
    if (what[0] === "values" && what.length >= 2) {
      // The key is everything after values/, so a key with a literal "/" the caller did not escape
      // still round-trips; an escaped one (%2F, as the client should send it) decodes here.
      const key = kvDecodeKey(what.slice(1).join("/"));
      switch (request.method) {
        case "GET":
          return kvGet(env, ns, key);
        case "PUT":
          return kvPut(request, url, env, ns, key);
        case "DELETE":
          return kvDelete(env, ns, key);
        default:
          return methodNotAllowed(["GET", "PUT", "DELETE"]);
      }
    }
    if (what.length === 1 && what[0] === "bulk") {
      if (request.method === "PUT") return kvBulkPut(request, env, ns);
      if (request.method === "DELETE") return kvBulkDelete(request, env, ns);
      return methodNotAllowed(["PUT", "DELETE"]);
    }
    if (what.length === 2 && what[0] === "bulk" && what[1] === "delete") {
      if (request.method !== "POST") return methodNotAllowed(["POST"]);
      return kvBulkDelete(request, env, ns);
    }
    if (what.length === 2 && what[0] === "bulk" && what[1] === "get") {
      if (request.method !== "POST") return methodNotAllowed(["POST"]);
      return kvBulkGet(request, env, ns);
    }
  }
  return notFound(pathname);
}

// ---------------------------------------------------------------------------------------------
// D1

function databaseName(env) {
  return env.D1_DATABASE_NAME || DEFAULT_DATABASE_NAME;
}

function databaseID(env) {
  return (env.D1_DATABASE_ID || DEFAULT_DATABASE_ID).toLowerCase();
}

function checkDatabase(env, db) {
  if (db === databaseName(env) || db.toLowerCase() === databaseID(env)) return;
  stats.d1.errors++;
  throw new HttpError(404, CODE.d1NotFound, `The database ${db} could not be found`);
}

async function describeDatabase(env) {
  // One cheap read for the size (D1's meta reports it) and the number of tables. D1 hides its own
  // tables (_cf_*) from nothing, so they are left out here as Cloudflare's dashboard does.
  let fileSize = 0;
  let numTables = 0;
  try {
    const res = await env.DB.prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    ).all();
    numTables = Number(res.results?.[0]?.n ?? 0);
    fileSize = Number(res.meta?.size_after ?? 0);
  } catch (err) {
    console.error("gateway: describing the database failed", err?.message ?? err);
  }
  return {
    uuid: databaseID(env),
    name: databaseName(env),
    version: "production",
    created_at: DATABASE_CREATED_AT,
    file_size: fileSize,
    num_tables: numTables,
    jurisdiction: null,
    read_replication: { mode: "disabled" },
  };
}

async function d1List(url, env) {
  stats.d1.requests++;
  stats.d1.list++;
  const name = url.searchParams.get("name");
  const page = positiveInt(url.searchParams.get("page"), 1);
  const perPage = Math.min(positiveInt(url.searchParams.get("per_page"), 1000), 10_000);
  // Cloudflare's name parameter is a search; substring, case-insensitive, matches it.
  const matches = name === null || name === "" || databaseName(env).toLowerCase().includes(name.toLowerCase());
  const all = matches ? [await describeDatabase(env)] : [];
  const start = (page - 1) * perPage;
  const result = all.slice(start, start + perPage).map(({ file_size, num_tables, read_replication, ...d }) => d);
  // An empty page past the end is what stops cloudflare-go's auto-pager.
  return ok(result, {
    result_info: {
      page,
      per_page: perPage,
      count: result.length,
      total_count: all.length,
      total_pages: Math.max(1, Math.ceil(all.length / perPage)),
    },
  });
}

function positiveInt(text, fallback) {
  if (text === null || text === "") return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

async function d1Get(db, env) {
  stats.d1.requests++;
  stats.d1.get++;
  checkDatabase(env, db);
  return ok(await describeDatabase(env));
}

function d1Invalid(message) {
  stats.d1.errors++;
  return new HttpError(400, CODE.d1Invalid, message);
}

function checkParams(params, where) {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) throw d1Invalid(`${where}: params must be an array`);
  return params.map((p, i) => {
    switch (typeof p) {
      case "string":
        return p;
      case "number":
        if (!Number.isFinite(p)) throw d1Invalid(`${where}: params[${i}] is not a finite number`);
        return p;
      case "boolean":
        return p ? 1 : 0;
      case "object":
        if (p === null) return null;
      // fall through
      default:
        throw d1Invalid(`${where}: params[${i}] must be a string, a number, a boolean or null`);
    }
  });
}

// The statements of one request: {sql, params} or {batch: [{sql, params}]}. A single `sql` that holds
// several statements and no params is split into them, and they run as one batch (one result each),
// which is what the D1 REST API answers for such a query. Batch entries are not split: one entry, one
// statement, one result.
function parseStatements(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw d1Invalid("the body must be an object: {sql, params} or {batch: [{sql, params}]}");
  }
  if (body.batch !== undefined) {
    if (!Array.isArray(body.batch) || body.batch.length === 0) {
      throw d1Invalid("batch must be a non-empty array of {sql, params}");
    }
    return body.batch.map((entry, i) => {
      if (entry === null || typeof entry !== "object" || typeof entry.sql !== "string") {
        throw d1Invalid(`batch[${i}]: sql must be a string`);
      }
      return { sql: entry.sql, params: checkParams(entry.params, `batch[${i}]`) };
    });
  }
  if (typeof body.sql !== "string") throw d1Invalid("sql must be a string");
  const params = checkParams(body.params, "query");
  const statements = splitStatements(body.sql);
  if (statements.length <= 1) return [{ sql: body.sql, params }];
  if (params.length > 0) {
    throw d1Invalid(
      `the query holds ${statements.length} statements and params; send one statement per batch entry instead`,
    );
  }
  return statements.map((sql) => ({ sql, params: [] }));
}

function d1ErrorText(err) {
  let text = String(err?.cause?.message ?? err?.message ?? err);
  text = text.replace(/^D1_(?:EXEC_)?ERROR:\s*/, "");
  return text;
}

async function d1Query(request, env, db, mode) {
  stats.d1.requests++;
  stats.d1[mode]++;
  const body = await readJSON(request, LIMITS.d1Body);
  checkDatabase(env, db);
  const statements = parseStatements(body);
  stats.d1.statements += statements.length;

  let results;
  try {
    const prepared = statements.map((s) => env.DB.prepare(s.sql).bind(...s.params));
    // A batch is one transaction on D1: all statements or none.
    results = prepared.length === 1 ? [await prepared[0].all()] : await env.DB.batch(prepared);
  } catch (err) {
    stats.d1.errors++;
    return failure(400, [{ code: CODE.d1Query, message: d1ErrorText(err) }]);
  }
  return ok(results.map((r) => (mode === "raw" ? rawResult(r) : objectResult(r))));
}

function resultMeta(meta) {
  const m = { ...(meta ?? {}) };
  m.served_by_primary ??= true;
  m.timings ??= { sql_duration_ms: Number(m.duration ?? 0) };
  return m;
}

// Blob columns come back from the binding as arrays of byte values already; a typed array or buffer
// (older runtimes) is turned into the same.
function plainValue(v) {
  if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
  if (ArrayBuffer.isView(v)) return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return v;
}

function objectResult(r) {
  const rows = (r.results ?? []).map((row) => {
    const out = {};
    for (const [k, v] of Object.entries(row)) out[k] = plainValue(v);
    return out;
  });
  return { results: rows, success: true, meta: resultMeta(r.meta) };
}

// /raw from the object rows: columns are the first row's keys, so a statement with two columns of one
// name keeps only the last, and a statement with no rows reports no columns.
function rawResult(r) {
  const rows = r.results ?? [];
  const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
  return {
    results: { columns, rows: rows.map((row) => columns.map((c) => plainValue(row[c]))) },
    success: true,
    meta: resultMeta(r.meta),
  };
}

// ---------------------------------------------------------------------------------------------
// KV

// Every namespace id maps onto the one CACHE binding. Keys of the namespace named by KV_NAMESPACE_ID
// are stored as they are, so they keep KV's full 512 bytes; any other namespace's keys are stored
// under "<url-encoded id>:" (the encoding never yields ':', so two namespaces can never collide), and
// such a key may be at most 512 bytes minus that prefix.
function kvStorageKey(env, ns, key) {
  if (env.KV_NAMESPACE_ID && ns === env.KV_NAMESPACE_ID) return key;
  return `${encodeURIComponent(ns)}:${key}`;
}

function kvInvalid(status, message) {
  stats.kv.errors++;
  return new HttpError(status, CODE.kvInvalid, message);
}

function kvDecodeKey(raw) {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw kvInvalid(400, `malformed percent-encoding in the key: ${raw}`);
  }
}

function checkKey(env, ns, key) {
  if (typeof key !== "string") throw kvInvalid(400, "a key must be a string");
  if (key === "") throw kvInvalid(400, "Key name cannot be empty.");
  if (key === "." || key === "..") throw kvInvalid(400, `"${key}" is not allowed as a key name.`);
  const bytes = encoder.encode(key).byteLength;
  if (bytes > LIMITS.kvKeyBytes) {
    throw kvInvalid(414, `UTF-8 encoded length of ${bytes} exceeds key length limit of ${LIMITS.kvKeyBytes}.`);
  }
  const stored = kvStorageKey(env, ns, key);
  const storedBytes = encoder.encode(stored).byteLength;
  if (storedBytes > LIMITS.kvKeyBytes) {
    throw kvInvalid(
      414,
      `UTF-8 encoded length of ${bytes} plus the namespace prefix (${storedBytes - bytes}) exceeds key length limit of ${LIMITS.kvKeyBytes}; keys of namespace ${env.KV_NAMESPACE_ID || "(unset)"} have no prefix.`,
    );
  }
  return stored;
}

// expiration_ttl and expiration, as query parameters (PUT value) or fields (bulk write), checked as
// KV checks them, with its messages.
function expirationOptions(ttlRaw, expRaw) {
  const opts = {};
  if (ttlRaw !== undefined && ttlRaw !== null && ttlRaw !== "") {
    const ttl = Number(ttlRaw);
    if (!Number.isInteger(ttl) || ttl <= 0) {
      throw kvInvalid(400, `Invalid expiration_ttl of ${ttlRaw}. Please specify integer greater than 0.`);
    }
    if (ttl < LIMITS.kvMinTTL) {
      throw kvInvalid(400, `Invalid expiration_ttl of ${ttlRaw}. Expiration TTL must be at least ${LIMITS.kvMinTTL}.`);
    }
    opts.expirationTtl = ttl;
    return opts; // with both set, Cloudflare uses expiration_ttl
  }
  if (expRaw !== undefined && expRaw !== null && expRaw !== "") {
    const exp = Number(expRaw);
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(exp) || exp <= now) {
      throw kvInvalid(
        400,
        `Invalid expiration of ${expRaw}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
      );
    }
    if (exp < now + LIMITS.kvMinTTL) {
      throw kvInvalid(
        400,
        `Invalid expiration of ${expRaw}. Expiration times must be at least ${LIMITS.kvMinTTL} seconds in the future.`,
      );
    }
    opts.expiration = exp;
  }
  return opts;
}

// A failed binding call reads "KV PUT failed: 413 Metadata length of ..."; keep its status and text.
function kvBindingError(err) {
  stats.kv.errors++;
  const text = String(err?.message ?? err);
  const m = /^KV \w+ failed: (\d{3}) (.*)$/s.exec(text);
  if (m && Number(m[1]) >= 400 && Number(m[1]) < 500) return new HttpError(Number(m[1]), CODE.kvInvalid, m[2]);
  if (err instanceof TypeError || err instanceof RangeError) return new HttpError(400, CODE.kvInvalid, text);
  console.error("gateway: KV failed", text);
  return new HttpError(502, CODE.internal, `KV failed: ${text}`);
}

async function kvGet(env, ns, key) {
  stats.kv.requests++;
  stats.kv.get++;
  const stored = checkKey(env, ns, key);
  let value;
  try {
    value = await env.CACHE.get(stored, { type: "arrayBuffer" });
  } catch (err) {
    throw kvBindingError(err);
  }
  if (value === null) {
    return failure(404, [{ code: CODE.kvKeyNotFound, message: "get: 'key not found'" }]);
  }
  stats.kv.keys_read++;
  return new Response(value, { status: 200, headers: { "content-type": "application/octet-stream" } });
}

async function kvPut(request, url, env, ns, key) {
  stats.kv.requests++;
  stats.kv.put++;
  const body = await readBody(request, LIMITS.kvValueBody);
  const stored = checkKey(env, ns, key);
  const opts = expirationOptions(url.searchParams.get("expiration_ttl"), url.searchParams.get("expiration"));
  let value = body;
  const contentType = request.headers.get("content-type") ?? "";
  // cloudflare-go v7 sends multipart/form-data: a "value" field (the bytes) and, when set, "metadata"
  // (JSON text; a Go map arrives flattened as "metadata.<key>" fields). Anything else is the raw value.
  if (/^multipart\/form-data/i.test(contentType)) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    if (!boundary) throw kvInvalid(400, "multipart/form-data without a boundary");
    const parts = parseMultipart(body, boundary[1] ?? boundary[2]);
    if (!parts.has("value")) throw kvInvalid(400, "multipart/form-data without a value field");
    value = parts.get("value");
    const metadata = multipartMetadata(parts);
    if (metadata !== undefined) opts.metadata = metadata;
  }
  if (value.byteLength > LIMITS.kvValueBytes) {
    throw kvInvalid(413, `Value length of ${value.byteLength} exceeds limit of ${LIMITS.kvValueBytes}.`);
  }
  try {
    await env.CACHE.put(stored, value, opts);
  } catch (err) {
    throw kvBindingError(err);
  }
  stats.kv.keys_written++;
  return ok(null);
}

function multipartMetadata(parts) {
  const text = (bytes) => new TextDecoder().decode(bytes);
  if (parts.has("metadata")) {
    const raw = text(parts.get("metadata"));
    try {
      return JSON.parse(raw);
    } catch {
      throw kvInvalid(400, "metadata must be JSON");
    }
  }
  let flat;
  for (const [name, bytes] of parts) {
    if (name.startsWith("metadata.")) {
      flat ??= {};
      flat[name.slice("metadata.".length)] = text(bytes);
    }
  }
  return flat;
}

function indexOfBytes(haystack, needle, from) {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

// A multipart/form-data body into name -> bytes, byte-exact (request.formData() would decode text
// fields as UTF-8 and damage a binary value).
function parseMultipart(body, boundary) {
  const parts = new Map();
  const delimiter = encoder.encode(`--${boundary}`);
  const headerEnd = encoder.encode("\r\n\r\n");
  let at = indexOfBytes(body, delimiter, 0);
  if (at < 0) throw kvInvalid(400, "malformed multipart/form-data body");
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break; // "--": the closing delimiter
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    const headersEnd = indexOfBytes(body, headerEnd, at);
    if (headersEnd < 0) throw kvInvalid(400, "malformed multipart/form-data body");
    const headers = new TextDecoder().decode(body.subarray(at, headersEnd));
    const next = indexOfBytes(body, delimiter, headersEnd + 4);
    if (next < 0) throw kvInvalid(400, "malformed multipart/form-data body");
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    const name = /content-disposition:[^\r\n]*?;\s*name="((?:[^"\\]|\\.)*)"/i.exec(headers);
    if (name) parts.set(name[1].replace(/\\(.)/g, "$1"), body.subarray(headersEnd + 4, end));
    at = next;
  }
  return parts;
}

async function kvDelete(env, ns, key) {
  stats.kv.requests++;
  stats.kv.delete++;
  const stored = checkKey(env, ns, key);
  try {
    await env.CACHE.delete(stored);
  } catch (err) {
    throw kvBindingError(err);
  }
  stats.kv.keys_deleted++;
  return ok(null);
}

function base64Bytes(text, index) {
  try {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    throw kvInvalid(400, `body[${index}]: value is not valid base64`);
  }
}

// Runs fn over items with at most n in flight; returns the items whose call failed.
async function eachLimited(items, n, fn) {
  const failed = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        console.error("gateway: KV bulk item failed", item.key, err?.message ?? err);
        failed.push(item);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return failed;
}

// Writes are checked first and the whole request is refused if one is invalid (as Cloudflare does);
// a write the binding then fails is reported in unsuccessful_keys. A deployed Worker may make at most
// 1,000 KV operations per request: beyond that, keys come back in unsuccessful_keys.
async function kvBulkPut(request, env, ns) {
  stats.kv.requests++;
  stats.kv.bulk_put++;
  const body = await readJSON(request, LIMITS.kvBulkBody);
  if (!Array.isArray(body)) throw kvInvalid(400, "the body must be an array of {key, value}");
  if (body.length > LIMITS.kvBulkKeys) {
    throw kvInvalid(400, `at most ${LIMITS.kvBulkKeys} keys per bulk write; got ${body.length}`);
  }
  const writes = body.map((item, i) => {
    if (item === null || typeof item !== "object") throw kvInvalid(400, `body[${i}] must be an object`);
    const stored = checkKey(env, ns, item.key);
    if (typeof item.value !== "string") throw kvInvalid(400, `body[${i}]: value must be a string`);
    const value = item.base64 === true ? base64Bytes(item.value, i) : item.value;
    const opts = expirationOptions(item.expiration_ttl, item.expiration);
    if (item.metadata !== undefined && item.metadata !== null) {
      const size = encoder.encode(JSON.stringify(item.metadata)).byteLength;
      if (size > 1024) throw kvInvalid(413, `body[${i}]: Metadata length of ${size} exceeds limit of 1024.`);
      opts.metadata = item.metadata;
    }
    return { key: item.key, stored, value, opts };
  });
  const failed = await eachLimited(writes, LIMITS.kvWriteConcurrency, (w) => env.CACHE.put(w.stored, w.value, w.opts));
  stats.kv.keys_written += writes.length - failed.length;
  if (failed.length > 0) stats.kv.errors++;
  return ok({ successful_key_count: writes.length - failed.length, unsuccessful_keys: failed.map((w) => w.key) });
}

async function kvBulkDelete(request, env, ns) {
  stats.kv.requests++;
  stats.kv.bulk_delete++;
  const body = await readJSON(request, LIMITS.kvSmallBody);
  if (!Array.isArray(body)) throw kvInvalid(400, "the body must be an array of keys");
  if (body.length > LIMITS.kvBulkKeys) {
    throw kvInvalid(400, `at most ${LIMITS.kvBulkKeys} keys per bulk delete; got ${body.length}`);
  }
  const deletes = body.map((key) => ({ key, stored: checkKey(env, ns, key) }));
  const failed = await eachLimited(deletes, LIMITS.kvWriteConcurrency, (d) => env.CACHE.delete(d.stored));
  stats.kv.keys_deleted += deletes.length - failed.length;
  if (failed.length > 0) stats.kv.errors++;
  return ok({ successful_key_count: deletes.length - failed.length, unsuccessful_keys: failed.map((d) => d.key) });
}

async function kvBulkGet(request, env, ns) {
  stats.kv.requests++;
  stats.kv.bulk_get++;
  const body = await readJSON(request, LIMITS.kvSmallBody);
  if (body === null || typeof body !== "object" || !Array.isArray(body.keys)) {
    throw kvInvalid(400, "the body must be {keys: [...]}");
  }
  const { keys } = body;
  if (keys.length === 0 || keys.length > LIMITS.kvBulkGetKeys) {
    throw kvInvalid(400, `between 1 and ${LIMITS.kvBulkGetKeys} keys per bulk get; got ${keys.length}`);
  }
  const type = body.type ?? "text";
  if (type !== "text" && type !== "json") throw kvInvalid(400, `type must be "text" or "json"`);
  const withMetadata = body.withMetadata === true;
  const stored = keys.map((k) => checkKey(env, ns, k));
  let found;
  try {
    found = await Promise.all(stored.map((k) => env.CACHE.getWithMetadata(k, { type: "text" })));
  } catch (err) {
    throw kvBindingError(err);
  }
  const values = {};
  keys.forEach((key, i) => {
    const { value, metadata } = found[i];
    if (value === null) {
      values[key] = null;
      return;
    }
    stats.kv.keys_read++;
    let v = value;
    if (type === "json") {
      try {
        v = JSON.parse(value);
      } catch {
        throw kvInvalid(400, `the value of ${key} is not JSON`);
      }
    }
    values[key] = withMetadata ? { value: v, metadata: metadata ?? null } : v;
  });
  return ok({ values });
}
