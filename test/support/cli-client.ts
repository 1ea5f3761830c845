import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BIN, childEnv, removeDir, REPO_ROOT, runCli, type CliResult, type ServerProcess } from "./server-process.ts";

/** Helpers for the tests of the API-client commands (src/cli/), which run the real binary. */

/** A cold start through tsx takes seconds on a busy 2-core machine; this only bounds a hang. */
export const CLI_TIMEOUT_MS = 90_000;

const dirs: string[] = [];

/** A fresh directory (a config home, input files), removed by removeTempDirs(). */
export function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "hookline-cli-home-"));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) removeDir(d);
}

export function explain(r: CliResult): string {
  return `exit ${r.code} (signal ${r.signal}, ${r.durationMs} ms${r.timedOut ? ", TIMED OUT" : ""})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** The environment of a client of `server`, with an empty config home so no login of the machine leaks in. */
export const connectedTo = (server: ServerProcess, extra: Record<string, string> = {}) => ({
  HOOKLINE_URL: server.url,
  HOOKLINE_TOKEN: server.token!,
  XDG_CONFIG_HOME: tempDir(),
  ...extra,
});

export const cli = (args: string[], env: Record<string, string>) => runCli(args, env, CLI_TIMEOUT_MS);

/** Runs the CLI with `input` on its stdin (runCli gives none). */
export function cliWithStdin(args: string[], input: string, env: Record<string, string>): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin.end(input);
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, CLI_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, timedOut });
    }),
  );
}

/** The JSON a successful command printed. */
export function json(r: CliResult): any {
  assert.equal(r.code, 0, explain(r));
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON\n${explain(r)}`);
  }
}
