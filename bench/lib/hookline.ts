/**
 * The real server under test: `node bin/hookline.js serve` as a child process (through the test
 * suite's ServerProcess), on a fresh data directory, with its resident memory sampled every 100 ms
 * for as long as it runs.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServerProcess } from "../../test/support/server-process.ts";
import { withTimeout } from "../../test/support/wait.ts";
import { RssSampler } from "./proc.ts";

const PROFILER_PRELOAD = new URL("./cpu-profiler.mjs", import.meta.url).href;

export const ADMIN_TOKEN = "bench_admin_token_0123456789abcdef";

export interface HooklineOptions {
  /** postgres://… for the PostgreSQL store; SQLite in a fresh temp dir otherwise. */
  databaseUrl?: string | null;
  /** More HOOKLINE_* settings (e.g. a retry schedule). */
  env?: Record<string, string>;
  /** Directory to write a V8 CPU profile into when the server exits (bench/lib/cpu-profiler.mjs). */
  cpuProfileDir?: string | null;
}

export class Hookline {
  private constructor(
    readonly server: ServerProcess,
    readonly rss: RssSampler,
    private readonly dataDir: string,
  ) {}

  static async start(options: HooklineOptions = {}): Promise<Hookline> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "hookline-bench-"));
    if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
    try {
      const server = await ServerProcess.start({
        dataDir,
        adminToken: ADMIN_TOKEN,
        env: {
          // The receiver is on loopback, which the SSRF guard refuses unless allow-listed.
          HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8",
          // One token sends all the load: the per-token API limit would measure itself.
          HOOKLINE_API_RATE_LIMIT: "0",
          HOOKLINE_MASTER_KEY: randomBytes(32).toString("base64"),
          HOOKLINE_LOG_LEVEL: "info",
          ...(options.databaseUrl ? { HOOKLINE_DATABASE_URL: options.databaseUrl } : {}),
          // NODE_OPTIONS may not carry --cpu-prof: a preload starts V8's profiler instead.
          ...(options.cpuProfileDir
            ? { NODE_OPTIONS: `--import ${PROFILER_PRELOAD}`, BENCH_CPU_PROFILE_DIR: options.cpuProfileDir }
            : {}),
          ...options.env,
        },
        readyTimeoutMs: 60_000,
      });
      return new Hookline(server, new RssSampler(server.pid!), dataDir);
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  get url(): string {
    return this.server.url;
  }

  get pid(): number {
    return this.server.pid!;
  }

  /** Bytes in the data directory (the SQLite database and its WAL). */
  dataDirBytes(): number {
    let total = 0;
    for (const f of readdirSync(this.dataDir)) {
      try {
        total += statSync(path.join(this.dataDir, f)).size;
      } catch {
        /* removed meanwhile */
      }
    }
    return total;
  }

  /** Calls the API; throws unless the answer has the expected status (or none comes within `timeoutMs`). */
  async call(method: string, p: string, body: unknown, expect: number, timeoutMs = 10_000): Promise<any> {
    const res = await this.server.api(method, p, body, undefined, timeoutMs);
    if (res.status !== expect)
      throw new Error(`${method} ${p} answered ${res.status} (expected ${expect}): ${res.text.slice(0, 500)}`);
    return res.body;
  }

  async createApp(name: string): Promise<string> {
    return ((await this.call("POST", "/api/v1/app", { name }, 201)) as { id: string }).id;
  }

  async createEndpoint(appId: string, url: string, options: Record<string, unknown> = {}): Promise<string> {
    return ((await this.call("POST", `/api/v1/app/${appId}/endpoint`, { url, ...options }, 201)) as { id: string }).id;
  }

  /**
   * SIGTERM (a graceful stop, which also writes the CPU profile), SIGKILL if that takes over 30 s;
   * then the data directory goes. Returns the peak resident memory, MB.
   */
  async stop(): Promise<number> {
    this.rss.stop();
    this.server.kill("SIGTERM");
    await withTimeout(this.server.exited, 30_000, "hookline to stop").catch(() => this.server.stop());
    rmSync(this.dataDir, { recursive: true, force: true });
    return this.rss.peakMb;
  }

  /** SIGKILL and remove the data directory (clean-up after a failure). */
  async kill(): Promise<void> {
    this.rss.stop();
    await this.server.stop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
