// The gateway as the service sees it: test/testdata/goclient drives it with
// github.com/cloudflare/cloudflare-go/v7, the client the Go adapters use, and fails if any answer does
// not parse as that client expects. Skipped (with the reason) where no Go toolchain is installed.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { TOKEN, repoRoot, startEmulator } from "./helpers.mjs";

const run = promisify(execFile);

async function haveGo() {
  try {
    await run("go", ["version"]);
    return true;
  } catch {
    return false;
  }
}

let emu;
let dir;
before(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(path.join(tmpdir(), "gateway-goclient-"));
});
after(async () => {
  await emu?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("cloudflare-go v7 parses every answer the adapters rely on", { timeout: 300_000 }, async (t) => {
  if (!(await haveGo())) {
    t.skip("no go toolchain on PATH");
    return;
  }
  const bin = path.join(dir, "goclient");
  await run("go", ["build", "-o", bin, "./gateway/test/testdata/goclient"], { cwd: repoRoot, timeout: 280_000 });
  const { stdout } = await run(bin, [], {
    env: { ...process.env, GATEWAY_BASE_URL: emu.base, GATEWAY_TOKEN: TOKEN },
    timeout: 60_000,
  }).catch((err) => {
    throw new Error(`goclient failed:\n${err.stdout}\n${err.stderr}`);
  });
  assert.match(stdout, /^PASS$/m);
});
