#!/usr/bin/env node
// The local Cloudflare: the gateway Worker under workerd (through miniflare), with D1 and KV
// persisted on disk, answering the Cloudflare API's D1 and KV shapes on 127.0.0.1.
//
//   EMULATOR_PORT   port to listen on (default 8787; 0 picks a free one, printed in the ready line)
//   EMULATOR_HOST   address to listen on (default 127.0.0.1)
//   EMULATOR_STATE  directory for the D1 and KV data (default ./.emulator); wrangler's layout, so
//                   `wrangler d1 ... --local --persist-to $EMULATOR_STATE` sees the same database
//   EMULATOR_TOKEN  the bearer token callers must send (default dev-token)
//   EMULATOR_KV_NAMESPACE  the namespace id stored unprefixed (default wrangler.toml's KV_NAMESPACE_ID)
//
// Prints one line when ready ("streamer-gateway emulator ready on http://HOST:PORT ..."), and stops
// cleanly on SIGTERM or SIGINT.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare, Log, LogLevel } from "miniflare";

const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message) {
  console.error(`emulator: ${message}`);
  process.exit(2);
}

// The few settings shared with wrangler.toml, read from it so there is one source. Not a TOML parser:
// it reads `key = "value"` lines, which is all this file uses for them.
function wranglerSettings() {
  const text = readFileSync(path.join(here, "wrangler.toml"), "utf8");
  const value = (key, after = 0) => {
    const re = new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, "m");
    const m = re.exec(text.slice(after));
    if (!m) fail(`wrangler.toml: ${key} not found`);
    return m[1];
  };
  const kvAt = text.indexOf("[[kv_namespaces]]");
  if (kvAt < 0) fail("wrangler.toml: [[kv_namespaces]] not found");
  return {
    compatibilityDate: value("compatibility_date"),
    databaseName: value("database_name"),
    databaseID: value("database_id"),
    kvID: value("id", kvAt),
    kvNamespace: value("KV_NAMESPACE_ID"),
    main: value("main"),
  };
}

const settings = wranglerSettings();

const portText = process.env.EMULATOR_PORT || "8787";
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) fail(`EMULATOR_PORT must be a port number (0-65535), not "${portText}"`);
const host = process.env.EMULATOR_HOST || "127.0.0.1";
const state = path.resolve(process.env.EMULATOR_STATE || "./.emulator");
const token = process.env.EMULATOR_TOKEN || "dev-token";
const kvNamespace = process.env.EMULATOR_KV_NAMESPACE || settings.kvNamespace;

await mkdir(state, { recursive: true });

// Miniflare keeps its scratch files in os.tmpdir() and removes them without waiting for the removal,
// so an exit right after dispose() would leave them behind. Give it a directory of ours and remove
// that, synchronously, on the way out, whatever the way.
const scratch = mkdtempSync(path.join(os.tmpdir(), "streamer-gateway-"));
process.env.TMPDIR = scratch;
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

const mf = new Miniflare({
  name: "streamer-gateway",
  modules: true,
  scriptPath: path.join(here, settings.main),
  // The Worker's own modules (src/*.js) are ES modules, as wrangler bundles them.
  modulesRules: [{ type: "ESModule", include: ["**/*.js"] }],
  compatibilityDate: settings.compatibilityDate,
  host,
  port,
  d1Databases: { DB: settings.databaseID },
  kvNamespaces: { CACHE: settings.kvID },
  // wrangler's --persist-to puts D1 and KV under <dir>/v3/d1 and <dir>/v3/kv; so does this, so both
  // find the same files. Nothing else (cache, workflows) is persisted.
  d1Persist: path.join(state, "v3", "d1"),
  kvPersist: path.join(state, "v3", "kv"),
  // Never fetch the Request.cf sample from workers.cloudflare.com: no traffic leaves the machine.
  cf: false,
  bindings: {
    GATEWAY_TOKEN: token,
    D1_DATABASE_NAME: settings.databaseName,
    D1_DATABASE_ID: settings.databaseID,
    KV_NAMESPACE_ID: kvNamespace,
  },
  log: new Log(process.env.EMULATOR_LOG === "debug" ? LogLevel.DEBUG : LogLevel.WARN),
});

// Miniflare installs SIGTERM/SIGINT listeners that kill workerd and exit at once with 143/130. Ours
// replace them: dispose of workerd (and its temp files), then exit 0, so `make emulator` ended with
// Ctrl-C and `docker stop` both end quietly. Its "exit" hook stays as the last-resort cleanup.
for (const signal of ["SIGTERM", "SIGINT"]) {
  for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
}

let stopping = false;
async function stop(signal) {
  if (stopping) process.exit(1); // a second signal: do not wait
  stopping = true;
  // A safety net: should dispose() ever wait on something that does not end, exit anyway after a few
  // seconds (Miniflare's exit hook still kills workerd on the way out).
  const timer = setTimeout(() => {
    console.error(`emulator: still stopping 5s after ${signal}; exiting`);
    process.exit(0);
  }, 5000);
  timer.unref();
  try {
    await mf.dispose();
  } catch (err) {
    console.error(`emulator: stopping after ${signal}: ${err?.message ?? err}`);
    process.exit(1);
  }
  process.exit(0);
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

let url;
try {
  url = await mf.ready;
} catch (err) {
  fail(`workerd did not start: ${err?.message ?? err}`);
}
const origin = url.origin;
console.log(
  `streamer-gateway emulator ready on ${origin} (CF_API_BASE_URL=${origin}/client/v4, database ${settings.databaseName} = ${settings.databaseID}, state ${state})`,
);
