import type { Logger } from "pino";
import { SandboxPool } from "./sandbox-pool.ts";

/**
 * The process's one expression sandbox, started on first use (or by the server at start-up, so
 * the first deliveries do not wait for its processes to load). Its processes never keep the
 * server alive and exit with it.
 */
let shared: SandboxPool | null = null;

export function sharedSandbox(log?: Pick<Logger, "warn" | "error">): SandboxPool {
  shared ??= new SandboxPool({ log });
  return shared;
}

/** Stops the shared sandbox's processes; the next use starts a new one. */
export async function closeSharedSandbox(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
