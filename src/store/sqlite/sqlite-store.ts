import type Database from "better-sqlite3";
import { PLAINTEXT, type Sealer } from "../../core/secret-box.ts";
import type { Store } from "../store.ts";
import { SqliteAudit, SqliteIpLists, SqliteSettings, SqliteTokens } from "./tokens.ts";
import { SqliteRateLimits } from "./rate-limits.ts";
import { SqliteApplications } from "./applications.ts";
import { SqliteCoordination } from "./coordination.ts";
import { SqliteAlerts } from "./alerts.ts";
import { SqliteBackgroundTasks } from "./background-tasks.ts";
import { SqliteAttemptStats } from "./attempt-stats.ts";
import { SqliteAttempts } from "./attempts.ts";
import { SqliteDeliveries } from "./deliveries.ts";
import { SqliteEndpoints } from "./endpoints.ts";
import { SqliteEventTypes } from "./event-types.ts";
import { SqliteIdempotency } from "./idempotency.ts";
import { SqliteIngest } from "./ingest.ts";
import { SqliteIntegrations } from "./integrations.ts";
import { SqliteInspectors } from "./inspectors.ts";
import { SqlitePollers } from "./pollers.ts";
import { SqliteMessages } from "./messages.ts";
import { openSqlite, type SqliteOptions } from "./open-database.ts";
import { WriteBatcher } from "./write-batcher.ts";
import { WriteLock } from "./write-lock.ts";

/** The embedded default: one SQLite file in the data directory, every write through one group-commit batcher. */
export class SqliteStore implements Store {
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
  /** The group commit every write goes through (the retention pass makes it yield: retention.ts). */
  readonly writer: WriteBatcher;
  /** Taken by every write transaction: the group commit's and the retention thread's. */
  readonly writeLock: WriteLock;

  constructor(
    readonly db: Database.Database,
    box: Sealer = PLAINTEXT,
  ) {
    const lock = (this.writeLock = new WriteLock());
    this.writer = new WriteBatcher(db, lock);
    this.applications = new SqliteApplications(db, this.writer);
    this.eventTypes = new SqliteEventTypes(db, this.writer);
    this.endpoints = new SqliteEndpoints(db, this.writer, box);
    this.messages = new SqliteMessages(db, this.writer, box);
    this.deliveries = new SqliteDeliveries(db, this.writer);
    this.attempts = new SqliteAttempts(db, this.writer);
    this.attemptStats = new SqliteAttemptStats(db);
    this.idempotency = new SqliteIdempotency(db, this.writer, box);
    this.coordination = new SqliteCoordination(db, this.writer);
    this.rateLimits = new SqliteRateLimits(db, this.writer);
    this.tokens = new SqliteTokens(db, this.writer);
    this.ingest = new SqliteIngest(db, this.writer, box);
    this.integrations = new SqliteIntegrations(db, this.writer, box);
    this.inspectors = new SqliteInspectors(db, this.writer);
    this.pollers = new SqlitePollers(db, this.writer, box);
    this.alerts = new SqliteAlerts(db, this.writer);
    this.backgroundTasks = new SqliteBackgroundTasks(db, this.writer);
    this.audit = new SqliteAudit(db, this.writer);
    this.ipLists = new SqliteIpLists(db, this.writer);
    this.settings = new SqliteSettings(db, this.writer);
  }

  /** `options.box` encrypts secrets at rest (docs/operations.md#secrets-at-rest); without one they are stored as given (store-only tests). */
  static open(dataDir: string, options: SqliteOptions & { box?: Sealer }): SqliteStore {
    return new SqliteStore(openSqlite(dataDir, options), options.box);
  }

  async ping(): Promise<void> {
    if (this.db.pragma("query_only", { simple: true }) === 1)
      throw Object.assign(new Error("the database is read-only (PRAGMA query_only)"), { code: "SQLITE_READONLY" });
  }

  async close(): Promise<void> {
    // Let writes queued in this turn commit before the handle goes away.
    await this.writer.run(() => undefined);
    this.db.close();
  }
}
