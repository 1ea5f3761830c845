import type { Logger } from "pino";
import { SandboxPool } from "./sandbox-pool.ts";

/**
 * The process's one expression sandbox, started on first use: the first evaluation waits for its
 * processes to load (a second or two), and a server whose endpoints use no expression never starts
 * them. Its processes never keep the server alive and exit with it.
 */
let shared: SandboxPool | null = null;
let logger: Pick<Logger, "warn" | "error"> | undefined;

/** The log the sandbox reports to once it starts (the server's). */
export function useSandboxLogger(log: Pick<Logger, "warn" | "error">): void {
  logger = log;
}

export function sharedSandbox(): SandboxPool {
  shared ??= new SandboxPool({ log: logger });
  return shared;
}

/** Stops the shared sandbox's processes; the next use starts a new one. */
export async function closeSharedSandbox(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
