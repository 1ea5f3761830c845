import pg from "pg";
import { storeTypes } from "./sql.ts";

/**
 * How long opening a connection may take by default. Without a bound, a server that stops
 * answering without refusing (a network partition, a failover that leaves the old address silent)
 * holds each new connection for the kernel's connect timeout, about two minutes.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** What every connection Hookline opens has in common; `applicationName` shows in pg_stat_activity. */
export function clientConfig(databaseUrl: string, applicationName: string, connectTimeoutMs: number): pg.ClientConfig {
  return {
    connectionString: databaseUrl,
    application_name: applicationName,
    connectionTimeoutMillis: connectTimeoutMs,
  };
}

/**
 * The store's pool. The connect timeout is given to each connection, not to the pool: as a pool
 * option it also arms a timer around every checkout, and in five alternating benchmark pairs
 * (`npm run bench -- --only postgres`) that was slower in all five, by 1-13% (3% in the median
 * pair), though two runs of one build can differ by as much here. Waiting for a free pooled
 * connection is therefore not bounded; readiness (2 s) is what takes a process whose connections
 * all hang out of a load balancer.
 */
export function createPool(databaseUrl: string, options: { max: number; connectTimeoutMs: number }): pg.Pool {
  const { connectTimeoutMs } = options;
  class BoundedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super({
        ...(typeof config === "string" ? { connectionString: config } : config),
        connectionTimeoutMillis: connectTimeoutMs,
      });
    }
  }
  return new pg.Pool({
    ...clientConfig(databaseUrl, "hookline", 0),
    Client: BoundedClient,
    max: options.max,
    types: storeTypes(),
    keepAlive: true,
  });
}
