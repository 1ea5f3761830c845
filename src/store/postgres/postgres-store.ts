import pg from "pg";
import { PLAINTEXT, type Sealer } from "../../core/secret-box.ts";
import type { Store } from "../store.ts";
import { PostgresAudit, PostgresIpLists, PostgresSettings, PostgresTokens } from "./tokens.ts";
import { PostgresRateLimits } from "./rate-limits.ts";
import { PostgresApplications } from "./applications.ts";
import { PostgresAttemptStats } from "./attempt-stats.ts";
import { PostgresAttempts } from "./attempts.ts";
import { DatabaseConnector, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS } from "./connection.ts";
import { PostgresCoordination } from "./coordination.ts";
import { PostgresDeliveries } from "./deliveries.ts";
import { PostgresEndpoints } from "./endpoints.ts";
import { PostgresEventTypes } from "./event-types.ts";
import { PostgresIdempotency } from "./idempotency.ts";
import { PostgresIngest } from "./ingest.ts";
import { PostgresIntegrations } from "./integrations.ts";
import { PostgresInspectors } from "./inspectors.ts";
import { PostgresPollers } from "./pollers.ts";
import { PostgresBackgroundTasks } from "./background-tasks.ts";
import { PostgresAlerts } from "./alerts.ts";
import { PostgresMessages } from "./messages.ts";
import { migratePostgres } from "./migrate.ts";
import { HistoryPartitions, partitionWidthMs } from "./partitions.ts";

export interface PostgresOptions {
  /**
   * Connections in the pool (default 10). Every repository call is one statement on one borrowed
   * connection, so this caps the concurrent queries of this process; PostgreSQL's own default
   * max_connections of 100 fits ~8 Hookline processes at 10 plus admin headroom.
   */
  poolSize?: number;
  /**
   * Told about errors on idle pooled connections (e.g. the server restarted). The pool drops such
   * a connection and the next query opens a new one; without a listener Node would crash the
   * process on the unhandled 'error' event.
   */
  onIdleError?: (error: Error) => void;
  /** Encrypts secrets at rest (docs/operations.md#secrets-at-rest); without one they are stored as given (store-only tests). */
  box?: Sealer;
  /** The retention period, which sets how wide the history's time partitions are (default 90). */
  retentionDays?: number;
  /** How long opening a connection may take before the caller gets an error, a 503 at the API (default 10 s). */
  connectTimeoutMs?: number;
  /** How long a query may wait for the server's answer before its connection is dropped, a 503 (default 30 s). */
  queryTimeoutMs?: number;
}

/**
 * The shared-database store: several Hookline processes may run against one PostgreSQL database.
 * Unlike SQLite there is no write batcher: each write is its own transaction, and the server
 * overlaps concurrent commits itself; multi-row writes (a message's deliveries, a batch of
 * outcomes) are single statements so each costs one round trip.
 */
export class PostgresStore implements Store {
  readonly applications;
  readonly eventTypes;
  readonly endpoints;
  readonly messages;
  readonly deliveries;
  readonly attempts;
  readonly attemptStats;
  readonly idempotency;
  readonly coordination;
  readonly rateLimits;
  readonly tokens;
  readonly audit;
  readonly ipLists;
  readonly settings;
  readonly ingest;
  readonly integrations;
  readonly inspectors;
  readonly pollers;
  readonly alerts;
  readonly backgroundTasks;
  readonly partitions: HistoryPartitions;

  constructor(
    readonly pool: pg.Pool,
    connector: DatabaseConnector,
    box: Sealer = PLAINTEXT,
    retentionDays = 90,
  ) {
    this.partitions = new HistoryPartitions(pool, partitionWidthMs(retentionDays));
    this.applications = new PostgresApplications(pool);
    this.eventTypes = new PostgresEventTypes(pool);
    this.endpoints = new PostgresEndpoints(pool, box);
    this.messages = new PostgresMessages(pool, this.partitions, box);
    this.deliveries = new PostgresDeliveries(pool);
    this.attempts = new PostgresAttempts(pool);
    this.attemptStats = new PostgresAttemptStats(pool);
    this.idempotency = new PostgresIdempotency(pool, box);
    this.coordination = new PostgresCoordination(pool, connector);
    this.rateLimits = new PostgresRateLimits(pool);
    this.tokens = new PostgresTokens(pool);
    this.audit = new PostgresAudit(pool);
    this.ipLists = new PostgresIpLists(pool);
    this.settings = new PostgresSettings(pool);
    this.ingest = new PostgresIngest(pool, box, this.partitions);
    this.integrations = new PostgresIntegrations(pool, box);
    this.inspectors = new PostgresInspectors(pool);
    this.pollers = new PostgresPollers(pool, box);
    this.alerts = new PostgresAlerts(pool);
    this.backgroundTasks = new PostgresBackgroundTasks(pool);
  }

  /**
   * Migrates the database (under an advisory lock, so concurrent starts are safe), opens the pool
   * and makes sure the history has partitions for now and the days ahead.
   */
  static async open(databaseUrl: string, options: PostgresOptions = {}): Promise<PostgresStore> {
    const connector = new DatabaseConnector(databaseUrl, {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    });
    await migratePostgres(connector);
    const pool = connector.createPool(options.poolSize ?? 10);
    pool.on("error", (error) => {
      // pg-pool hangs the failed connection on the error (`err.client`): logged, that was 2.7 KB of
      // the client's internals per connection each time the server went away.
      delete (error as Error & { client?: unknown }).client;
      options.onIdleError?.(error);
    });
    const store = new PostgresStore(pool, connector, options.box, options.retentionDays);
    try {
      await store.partitions.ensureAhead(Date.now());
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async ping(): Promise<void> {
    const { rows } = await this.pool.query<{ transaction_read_only: string }>("SHOW transaction_read_only");
    // A standby (say, after a failover that pointed the address at the wrong server) or a database
    // set default_transaction_read_only refuses every write.
    if (rows[0]?.transaction_read_only === "on")
      throw Object.assign(new Error("the database is read-only (a standby, or default_transaction_read_only)"), {
        code: "25006",
      });
  }

  async close(): Promise<void> {
    // Waits for checked-out connections to come back, so in-flight writes finish first.
    await this.pool.end();
  }
}
