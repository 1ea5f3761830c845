import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { loadConfig, type Config } from "../../src/config.ts";
import type { Clock } from "../../src/core/clock.ts";
import { createDatabaseAt } from "./postgres-cluster.ts";
import type { Dispatcher } from "../../src/delivery/dispatcher.ts";
import { startHookline, type Hookline, type StartOptions } from "../../src/main/hookline.ts";

export const TEST_TOKEN = "test_admin_token_0123456789";

export interface TestHookline extends Hookline {
  /** Tests run the default role, which always has a worker. */
  dispatcher: Dispatcher;
  dataDir: string;
  /** Calls the API with the admin token; JSON in, parsed JSON out. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Which store this test run uses: the runner's PostgreSQL leg sets HOOKLINE_TEST_STORE=postgres. */
export const TEST_STORE = process.env.HOOKLINE_TEST_STORE === "postgres" ? "postgres" : "sqlite";

const databasesByDir = new Map<string, string | null>();

/** A fresh database per instance on the PostgreSQL leg; null (the data directory's SQLite) otherwise. */
export async function testDatabaseUrl(): Promise<string | null> {
  if (TEST_STORE !== "postgres") return null;
  const adminUrl = process.env.HOOKLINE_TEST_POSTGRES_URL;
  if (!adminUrl)
    throw new Error("HOOKLINE_TEST_STORE=postgres needs HOOKLINE_TEST_POSTGRES_URL (run tests through npm test)");
  return createDatabaseAt(adminUrl);
}

/** A fresh data directory per instance; kept when the test fails is not needed since each run makes a new one. */
export async function startTestHookline(
  env: Record<string, string> = {},
  options: {
    clock?: Clock;
    pollIntervalMs?: number;
    dataDir?: string;
    withoutJobs?: readonly string[];
    logger?: Logger;
    /** The OTEL_* variables this instance reads (none by default: tracing off). */
    tracingEnv?: NodeJS.ProcessEnv;
    /** Holds background tasks between batches (StartOptions.beforeTaskBatch). */
    beforeTaskBatch?: StartOptions["beforeTaskBatch"];
  } = {},
): Promise<TestHookline> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "hookline-test-"));
  // A restart on the same data directory gets the same database, as a real deployment would.
  const databaseUrl = databasesByDir.has(dataDir) ? databasesByDir.get(dataDir)! : await testDatabaseUrl();
  databasesByDir.set(dataDir, databaseUrl);
  const settingsEnv: NodeJS.ProcessEnv = {
    ...(databaseUrl ? { HOOKLINE_DATABASE_URL: databaseUrl } : {}),
    HOOKLINE_PORT: "0",
    HOOKLINE_DATA_DIR: dataDir,
    HOOKLINE_ADMIN_TOKEN: TEST_TOKEN,
    HOOKLINE_LOG_LEVEL: "silent",
    HOOKLINE_SQLITE_SYNCHRONOUS: "NORMAL",
    // Test receivers listen on loopback, which the SSRF guard refuses unless allow-listed.
    HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8",
    ...env,
  };
  const config: Config = loadConfig(settingsEnv);
  const hookline = await startHookline(config, {
    settingsGiven: { env: settingsEnv, flags: {} },
    clock: options.clock,
    pollIntervalMs: options.pollIntervalMs,
    withoutJobs: options.withoutJobs,
    logger: options.logger,
    tracingEnv: options.tracingEnv ?? {},
    beforeTaskBatch: options.beforeTaskBatch,
  });
  const api = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(hookline.url + p, {
      method,
      headers: {
        authorization: `Bearer ${TEST_TOKEN}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  if (!hookline.dispatcher) throw new Error("test instances run a worker");
  return Object.assign(hookline, {
    dispatcher: hookline.dispatcher,
    dataDir,
    api,
    async close() {
      await hookline.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
