/**
 * The benchmark's throwaway PostgreSQL cluster: the test suite's cluster helper with PostgreSQL's
 * durable defaults (fsync, full-page writes) unless asked otherwise, because commit latency is
 * part of what the benchmark measures: WAL volume and fsyncs are part of the cost.
 */
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from "../../test/support/postgres-cluster.ts";
import { log, meter, Skip, using } from "./context.ts";

export { findPostgresBin };

export type BenchCluster = PostgresCluster;

export function startBenchCluster(options: { fsync: boolean }): Promise<BenchCluster> {
  return startPostgresCluster({ durable: options.fsync, maxConnections: 100 });
}

/**
 * Runs `fn` against a fresh database on a throwaway cluster with fsync on, stopped afterwards; a
 * machine without PostgreSQL's binaries skips the scenario. The cluster's CPU use counts as the
 * pipeline's, not as a neighbour's disturbing the measurement.
 */
export async function withBenchDatabase<T>(
  label: string,
  fn: (databaseUrl: string, cluster: BenchCluster) => Promise<T>,
): Promise<T> {
  if (findPostgresBin() === null)
    throw new Skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (Debian package `postgresql`)");
  log(`${label}: starting a throwaway cluster (durable defaults: fsync on)`);
  return using(
    await startBenchCluster({ fsync: true }),
    (c) => c.stop(),
    async (c) => {
      const pid = c.postmasterPid;
      if (pid) meter.roots.add(pid);
      try {
        return await fn(await c.createDatabase(), c);
      } finally {
        if (pid) meter.roots.delete(pid);
      }
    },
  );
}
