import { after } from "node:test";
import { killAllServers } from "../../support/server-process.ts";

/**
 * What a scenario file leaves behind (receivers, load generators, data directories, clusters),
 * undone in reverse order after its tests, once every server process it started is killed.
 */
export function scenarioCleanups(): (() => unknown)[] {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    await killAllServers();
    for (const c of cleanups.reverse()) await c();
  });
  return cleanups;
}
