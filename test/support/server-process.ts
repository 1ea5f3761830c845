import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sleep, withTimeout } from "./wait.ts";

/**
 * Runs the real `node bin/hookline.js` as a child process, for tests that need what an in-process
 * instance cannot give: SIGKILL, SIGTERM, exit codes, the CLI's own output.
 *
 * Every child this module starts is remembered; `killAllServers()` (call it from `after`) and a
 * process-exit hook make sure none outlives the test file.
 */

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = path.join(REPO_ROOT, "bin", "hookline.js");
export const PROCESS_TEST_TOKEN = "process_test_admin_token_0123456789";
/** A fixed 32-byte key (base64) for test processes; never used outside tests. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString("base64");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
}

export interface StartOptions {
  dataDir: string;
  /** Extra environment; `undefined` removes a variable. HOOKLINE_* of the test runner are never inherited. */
  env?: Record<string, string | undefined>;
  /** Arguments after the command (flags). */
  args?: string[];
  /** Defaults to "serve". */
  command?: string;
  /** A command the process is started through, e.g. `["ip", "netns", "exec", "ns1"]` to run it in a network namespace. */
  wrapper?: string[];
  /** The admin token to put in HOOKLINE_ADMIN_TOKEN; null leaves it unset (the server generates or reuses one). */
  adminToken?: string | null;
  /**
   * How long to wait for the listening line and a healthy health check. The url is read from the
   * "hookline listening" log line, so the log level must stay at info or below.
   */
  readyTimeoutMs?: number;
}

/**
 * A process transpiles its sources as it starts: a few seconds on a quiet machine, but 12-13 s
 * each was seen with five starting at once while other work used both cores. Start-up speed is
 * measured by the benchmark; here only a process that never comes up fails.
 */
const READY_TIMEOUT_MS = 90_000;

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** SIGKILLs every child still running and waits for them to go. */
export async function killAllServers(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

/** The environment a child gets: the runner's, minus its HOOKLINE_* and node:test variables, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("HOOKLINE_") || k.startsWith("NODE_TEST") || k === "NODE_OPTIONS") continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function tempDataDir(prefix = "hookline-proc-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A port that was free a moment ago on 127.0.0.1 (for tests of --port / HOOKLINE_PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export class ServerProcess {
  /** e.g. http://127.0.0.1:40123, known once `start` resolves. */
  url = "";
  readonly exited: Promise<Exit>;
  private out = "";
  private err = "";
  private exit: Exit | null = null;
  private readonly lineWaiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  private partial = "";

  private constructor(
    readonly child: ChildProcess,
    readonly token: string | null,
    readonly dataDir: string,
  ) {
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      this.out += chunk;
      this.partial += chunk;
      const lines = this.partial.split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) this.onLine(line);
    });
    child.stderr!.on("data", (chunk: string) => (this.err += chunk));
    this.exited = new Promise<Exit>((resolve) => {
      // "close" fires after the exit and after stdout/stderr are drained, so the output is complete.
      child.once("close", (code, signal) => {
        live.delete(child);
        if (this.partial) this.onLine(this.partial);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /**
   * Spawns `node bin/hookline.js serve` (port 0 unless the options say otherwise), waits for its
   * "hookline listening" log line and a 204 from the health check. On failure the child is killed
   * and the error carries its output.
   */
  static async start(options: StartOptions): Promise<ServerProcess> {
    const token = options.adminToken === undefined ? PROCESS_TEST_TOKEN : options.adminToken;
    const env = childEnv({
      HOOKLINE_PORT: "0",
      HOOKLINE_HOST: "127.0.0.1",
      HOOKLINE_DATA_DIR: options.dataDir,
      HOOKLINE_LOG_LEVEL: "info",
      // Test receivers listen on loopback, which the SSRF guard refuses unless allow-listed.
      HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8",
      // Processes of one cluster test share a database, so they must share the key its secrets are sealed with.
      HOOKLINE_MASTER_KEY: TEST_MASTER_KEY,
      ...(token !== null ? { HOOKLINE_ADMIN_TOKEN: token } : {}),
      ...options.env,
    });
    const argv = [process.execPath, BIN, options.command ?? "serve", ...(options.args ?? [])];
    const [command, ...args] = [...(options.wrapper ?? []), ...argv] as [string, ...string[]];
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    const server = new ServerProcess(child, token, options.dataDir);
    const timeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
    try {
      const line = await withTimeout(
        Promise.race([
          server.waitForLine((l) => l.includes('"msg":"hookline listening"')),
          server.exited.then((e) => {
            throw new Error(`server exited before listening (code ${e.code}, signal ${e.signal})`);
          }),
        ]),
        timeoutMs,
        "the server's listening line",
      );
      server.url = (JSON.parse(line) as { url: string }).url;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await fetch(server.url + "/api/v1/health", { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 204) break;
        if (server.exit) throw new Error("server exited before its health check passed");
        if (Date.now() > deadline) throw new Error(`health check did not pass within ${timeoutMs} ms`);
        await sleep(50);
      }
      return server;
    } catch (error) {
      child.kill("SIGKILL");
      await withTimeout(server.exited, 5000, "killed server to exit").catch(() => undefined);
      throw new Error(`${(error as Error).message}\n${server.diagnostics()}`, { cause: error });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** The stdout lines that parse as JSON log records. */
  get logs(): Record<string, unknown>[] {
    const records: Record<string, unknown>[] = [];
    for (const line of this.out.split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not a log line */
      }
    }
    return records;
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** Output to attach to a failing assertion. */
  diagnostics(): string {
    const tail = (s: string) => (s.length > 6000 ? "…" + s.slice(-6000) : s);
    return `--- server stdout ---\n${tail(this.out)}\n--- server stderr ---\n${tail(this.err)}`;
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.exit === null) this.child.kill(signal);
  }

  /** Makes sure the process is gone: SIGKILL if it still runs, then waits (bounded) for it to exit. */
  async stop(): Promise<Exit> {
    this.kill("SIGKILL");
    return withTimeout(this.exited, 10_000, "server to exit after SIGKILL");
  }

  /** Resolves with the first stdout line (already seen or still to come) that matches. */
  waitForLine(test: (line: string) => boolean): Promise<string> {
    const complete = this.out.slice(0, this.out.length - this.partial.length);
    const seen = complete.split("\n").find((l) => test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.lineWaiters.push({ test, resolve }));
  }

  private onLine(line: string): void {
    for (let i = this.lineWaiters.length - 1; i >= 0; i--) {
      const w = this.lineWaiters[i]!;
      if (w.test(line)) {
        this.lineWaiters.splice(i, 1);
        w.resolve(line);
      }
    }
  }

  /** Calls the API with the admin token (or `token`); JSON in, parsed JSON out; bounded by a timeout (10 s). */
  async api(
    method: string,
    p: string,
    body?: unknown,
    token: string | null = this.token,
    timeoutMs = 10_000,
  ): Promise<ApiResponse> {
    const res = await fetch(this.url + p, {
      method,
      headers: {
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  }
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when the command had to be killed because it ran longer than the timeout. */
  timedOut: boolean;
}

/** Runs `node bin/hookline.js ...args` to completion (killing it after `timeoutMs`), for commands expected to exit. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 15_000,
): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve) => {
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, timedOut });
    });
  });
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight; results in input order. */
export async function mapConcurrent<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}
