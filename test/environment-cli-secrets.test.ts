import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { cli, CLI_TIMEOUT_MS, explain, removeTempDirs, tempDir } from "./support/cli-client.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { BIN, childEnv, REPO_ROOT } from "./support/server-process.ts";

/**
 * `hookline environment export --include-secrets` as the real binary: secrets go into a pipe;
 * into a regular file (a shell redirect) only with --yes-secrets-in-file; never without the flag.
 */

let h: TestHookline;
const SECRET = "whsec_" + Buffer.alloc(24, 9).toString("base64");

before(async () => {
  h = await startTestHookline();
  assert.equal((await h.api("POST", "/api/v1/app", { name: "Acme", uid: "acme" })).status, 201);
  const ep = await h.api("POST", "/api/v1/app/acme/endpoint", {
    uid: "primary",
    url: "https://example.com/hooks",
    secret: SECRET,
  });
  assert.equal(ep.status, 201, ep.text);
});

after(async () => {
  await h?.close();
  removeTempDirs();
});

const env = () => ({ HOOKLINE_URL: h.url, HOOKLINE_TOKEN: TEST_TOKEN, XDG_CONFIG_HOME: tempDir() });

/** Runs the binary with its standard output redirected to a regular file, as `> env.json` does. */
async function exportToFile(args: string[]): Promise<{ code: number | null; text: string }> {
  const out = path.join(tempDir(), "env.json");
  const fd = openSync(out, "w");
  try {
    const child = spawn(process.execPath, [BIN, "environment", "export", ...args], {
      cwd: REPO_ROOT,
      env: childEnv(env()),
      stdio: ["ignore", fd, "ignore"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearTimeout(timer);
    return { code, text: readFileSync(out, "utf8") };
  } finally {
    closeSync(fd);
  }
}

describe("environment export with secrets from the command line", () => {
  test("without --include-secrets no secret is written, with it a pipe gets them", async () => {
    const plain = await cli(["environment", "export"], env());
    assert.equal(plain.code, 0, explain(plain));
    assert.ok(!plain.stdout.includes(SECRET));
    assert.equal(JSON.parse(plain.stdout).applications[0].endpoints[0].uid, "primary");
    const piped = await cli(["environment", "export", "--include-secrets"], env());
    assert.equal(piped.code, 0, explain(piped));
    assert.equal(JSON.parse(piped.stdout).applications[0].endpoints[0].secret, SECRET);
  });

  test("into a file, --include-secrets is refused unless --yes-secrets-in-file is given", async () => {
    const refused = await exportToFile(["--include-secrets"]);
    assert.notEqual(refused.code, 0);
    assert.ok(!refused.text.includes(SECRET), "nothing was written");
    const allowed = await exportToFile(["--include-secrets", "--yes-secrets-in-file"]);
    assert.equal(allowed.code, 0, allowed.text);
    assert.equal(JSON.parse(allowed.text).applications[0].endpoints[0].secret, SECRET);
  });
});
