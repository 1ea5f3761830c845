import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { removeTempDirs, tempDir } from "./cli-client.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./hookline.ts";

/**
 * Shared by the tests of `hookline plan` / `apply` and `hookline environment`: in-process servers
 * on the store of the run, the environment of a CLI connected to one (with an endpoint secret in
 * `ACME_SECRET`, for files that write `${ENV:ACME_SECRET}`), and files to hand the CLI.
 */

export const SECRET = "whsec_" + Buffer.alloc(24, 5).toString("base64");
export const NEW_SECRET = "whsec_" + Buffer.alloc(24, 6).toString("base64");

const servers: TestHookline[] = [];

/** A fresh server, closed by closeServers(). */
export async function server(): Promise<TestHookline> {
  const h = await startTestHookline();
  servers.push(h);
  return h;
}

/** Closes every server of the file and removes its temporary directories (call from `after`). */
export async function closeServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((h) => h.close()));
  removeTempDirs();
}

/** The environment of a CLI connected to `h` with an admin token and an empty config home. */
export const envFor = (h: TestHookline, extra: Record<string, string> = {}) => ({
  HOOKLINE_URL: h.url,
  HOOKLINE_TOKEN: TEST_TOKEN,
  XDG_CONFIG_HOME: tempDir(),
  ACME_SECRET: SECRET,
  ...extra,
});

/** Writes `text` to a file of that name in a fresh temporary directory and returns its path. */
export function file(name: string, text: string): string {
  const p = path.join(tempDir(), name);
  writeFileSync(p, text);
  return p;
}

/** Fails when a CLI's output holds one of the test secrets. */
export function assertNoSecret(text: string, secrets: string[] = [SECRET, NEW_SECRET]): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret was printed:\n${text}`);
}
