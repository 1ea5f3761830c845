/**
 * The benchmark's throwaway PostgreSQL cluster: the test suite's cluster helper with PostgreSQL's
 * durable defaults (fsync, full-page writes) unless asked otherwise, because commit latency is
 * part of what the benchmark measures: WAL volume and fsyncs are part of the cost.
 */
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from "../../test/support/postgres-cluster.ts";

export { findPostgresBin };

export type BenchCluster = PostgresCluster;

export function startBenchCluster(options: { fsync: boolean }): Promise<BenchCluster> {
  return startPostgresCluster({ durable: options.fsync, maxConnections: 100 });
}
