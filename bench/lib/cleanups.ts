/**
 * Clean-up steps of a benchmark run (temp dirs, servers, load generators, clusters), undone in
 * reverse order at the end, after a failure and on SIGINT/SIGTERM.
 */
import { withTimeout } from "../../test/support/wait.ts";

const cleanups: (() => void | Promise<void>)[] = [];

/** Adds a step; the returned function removes it again (the resource was released already). */
export function onCleanup(fn: () => void | Promise<void>): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i !== -1) cleanups.splice(i, 1);
  };
}

export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    await Promise.resolve()
      .then(fn)
      .catch((error: unknown) => console.error("clean-up step failed:", error));
  }
}

/** On SIGINT or SIGTERM: runs the clean-up (bounded) and exits with 130. */
export function cleanUpOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      // Bounded; the exit hooks of the server, cluster and load-generator modules run on exit anyway.
      void withTimeout(cleanupAll(), 20_000, "clean-up")
        .catch(() => undefined)
        .finally(() => process.exit(130));
    });
  }
}
