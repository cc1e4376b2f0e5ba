// Starts the real emulator (emulator.mjs under workerd) on a free 127.0.0.1 port with a fresh state
// directory, and talks to it the way cloudflare-go does.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const gatewayDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = path.resolve(gatewayDir, "..");

export const TOKEN = "test-token";
export const DB_NAME = "streamer";
export const DB_ID = "00000000-0000-4000-8000-73747265616d";
export const NS = "cache";

export async function startEmulator({ state, token = TOKEN, env = {} } = {}) {
  const ownState = state === undefined;
  const dir = state ?? (await mkdtemp(path.join(tmpdir(), "gateway-test-")));
  const child = spawn(process.execPath, [path.join(gatewayDir, "emulator.mjs")], {
    cwd: gatewayDir,
    env: { ...process.env, EMULATOR_PORT: "0", EMULATOR_STATE: dir, EMULATOR_TOKEN: token, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator not ready after 30s:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      const m = /emulator ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", (c) => (output += c));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code ?? signal}) before ready:\n${output}`));
    });
  });
  const base = `${origin}/client/v4`;
  return {
    origin,
    base,
    state: dir,
    output: () => output,
    // Stops the emulator (SIGTERM) and reports how it exited; removes the state it made.
    async stop({ keepState = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const result = await exited;
      if (ownState && !keepState) await rm(dir, { recursive: true, force: true });
      return result;
    },
  };
}

// One API call. body: an object (sent as JSON), a string/Uint8Array/FormData (sent as is).
export async function call(emu, method, apiPath, { body, token = TOKEN, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (token !== null) init.headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    if (typeof body === "string" || body instanceof Uint8Array || body instanceof FormData) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers["content-type"] ??= "application/json";
    }
  }
  const res = await fetch(emu.base + apiPath, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let json;
  if ((res.headers.get("content-type") ?? "").includes("application/json")) json = JSON.parse(text);
  return { status: res.status, headers: res.headers, bytes, text, json };
}

export const d1Path = (db = DB_NAME, what = "query") => `/accounts/acc/d1/database/${db}/${what}`;

// POST /query and return the envelope; throws on a non-200 unless allowed.
export async function query(emu, body, { allowError = false, what = "query" } = {}) {
  const res = await call(emu, "POST", d1Path(DB_NAME, what), { body });
  if (!allowError && res.status !== 200) throw new Error(`query failed ${res.status}: ${res.text}`);
  return res;
}

export const kvPath = (ns, rest) => `/accounts/acc/storage/kv/namespaces/${encodeURIComponent(ns)}/${rest}`;
