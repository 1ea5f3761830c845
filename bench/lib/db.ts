/**
 * Direct database access for the benchmark, while the server is stopped (seeding, row counts) or
 * with a few tiny statements while it runs (moving the retention job's schedule, reading when the
 * job was claimed). Both stores behind one interface.
 */
import Database from "better-sqlite3";
import { closeSync, copyFileSync, fsyncSync, openSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { idFloorAt } from "../../src/core/ids.ts";
import { HistoryPartitions, partitionWidthMs } from "../../src/store/postgres/partitions.ts";
import { seedId } from "./seed-ids.ts";
import { payloadOf } from "./payload.ts";

export interface SeedOptions {
  appId: string;
  endpointId: string;
  endpointUrl: string;
  /** Total rows across message, delivery and attempt (one of each per message). */
  rows: number;
  payloadBytes: number;
  /** Creation times are spread evenly over [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** The server's retention period, which sets the width of PostgreSQL's history partitions. */
  retentionDays: number;
}

export interface SeedReport {
  messages: number;
  deliveries: number;
  attempts: number;
  rows: number;
  seconds: number;
  /** Seconds of VACUUM ANALYZE / checkpoint after the inserts (included in `seconds`). */
  maintenanceSeconds: number;
  databaseBytes: number;
}

export interface RowCounts {
  message: number;
  delivery: number;
  attempt: number;
  /** Rows created before the cutoff (the seeded, expired ones), by id range. */
  expiredMessage: number;
  expiredDelivery: number;
  expiredAttempt: number;
}

export interface BenchDb {
  seed(options: SeedOptions): Promise<SeedReport>;
  /** Keeps a copy of the seeded database (server stopped), so every phase can start from it. */
  snapshot(): Promise<void>;
  /**
   * Replaces the database with a fresh, durable copy of the snapshot (server stopped) and returns
   * the database URL the server is to use (null for SQLite: the same data directory).
   */
  restore(): Promise<string | null>;
  counts(cutoffMs: number): Promise<RowCounts>;
  setJobRun(name: string, lastRunAt: number): Promise<void>;
  jobRun(name: string): Promise<number | null>;
  close(): Promise<void>;
}

/** One seeded message with its delivery and attempt; ids increase with i. */
interface SeedRow {
  msgId: string;
  dlvId: string;
  atmptId: string;
  createdAt: number;
  attemptAt: number;
  payload: string;
  requestHeaders: string;
  durationMs: number;
}

function* seedRows(o: SeedOptions): Generator<SeedRow> {
  const messages = Math.ceil(o.rows / 3);
  const step = (o.toMs - o.fromMs) / messages;
  if (step < 2) throw new Error("too many rows for the time span: ids need 2 ms apart");
  for (let i = 0; i < messages; i++) {
    const createdAt = Math.floor(o.fromMs + i * step);
    const attemptAt = createdAt + Math.floor(Math.min(step / 2, 250));
    const msgId = seedId("msg", createdAt);
    const ts = String(Math.floor(attemptAt / 1000));
    yield {
      msgId,
      dlvId: seedId("dlv", createdAt),
      atmptId: seedId("atmpt", attemptAt),
      createdAt,
      attemptAt,
      payload: JSON.stringify(payloadOf(i, o.payloadBytes)),
      requestHeaders: JSON.stringify({
        "user-agent": "Hookline-Webhooks/0.1",
        "content-type": "application/json",
        "webhook-id": msgId,
        "webhook-timestamp": ts,
        "webhook-signature": "(redacted)",
        "svix-id": msgId,
        "svix-timestamp": ts,
        "svix-signature": "(redacted)",
      }),
      durationMs: 15 + (i % 90),
    };
  }
}

const RESPONSE_BODY = '{"received":true}';

export class SqliteBenchDb implements BenchDb {
  private db: Database.Database | null = null;
  constructor(readonly dataDir: string) {}

  get file(): string {
    return path.join(this.dataDir, "hookline.sqlite3");
  }

  private get snapshotFile(): string {
    return path.join(this.dataDir, "seeded.sqlite3.snapshot");
  }

  async snapshot(): Promise<void> {
    const db = this.handle();
    db.pragma("wal_checkpoint(TRUNCATE)");
    await this.close();
    copyFileSync(this.file, this.snapshotFile);
  }

  async restore(): Promise<string | null> {
    await this.close();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(this.file + suffix, { force: true });
    copyFileSync(this.snapshotFile, this.file);
    // On disk before the phase starts: otherwise the kernel writes the copy back during the
    // measurement, and the server's fsyncs queue behind 600 MB of someone else's writeback.
    const fd = openSync(this.file, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return null;
  }

  private handle(): Database.Database {
    if (!this.db) {
      this.db = new Database(this.file);
      // The server may hold the write lock for a batch: wait, as the server itself does.
      this.db.pragma("busy_timeout = 10000");
    }
    return this.db;
  }

  async seed(o: SeedOptions): Promise<SeedReport> {
    const started = performance.now();
    const db = this.handle();
    // Bulk load only: the rows are consistent by construction and the file is checkpointed after.
    db.pragma("foreign_keys = OFF");
    db.pragma("synchronous = OFF");
    const insMsg = db.prepare(
      `INSERT INTO message (id, app_id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at)
       VALUES (?, ?, 'invoice.paid', NULL, ?, NULL, NULL, ?, NULL)`,
    );
    const insDlv = db.prepare(
      `INSERT INTO delivery (id, app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, next_trigger,
         lease_owner, lease_until, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 1, NULL, 0, NULL, NULL, ?, ?)`,
    );
    const insAtt = db.prepare(
      `INSERT INTO attempt (id, app_id, msg_id, endpoint_id, url, status, response_status_code, response,
         response_duration_ms, trigger_type, error_kind, request_headers, created_at)
       VALUES (?, ?, ?, ?, ?, 0, 200, ?, ?, 0, NULL, ?, ?)`,
    );
    const batch: SeedRow[] = [];
    const flush = db.transaction((rows: SeedRow[]) => {
      for (const r of rows) {
        insMsg.run(r.msgId, o.appId, r.payload, r.createdAt);
        insDlv.run(r.dlvId, o.appId, r.msgId, o.endpointId, r.createdAt, r.attemptAt);
        insAtt.run(
          r.atmptId,
          o.appId,
          r.msgId,
          o.endpointId,
          o.endpointUrl,
          RESPONSE_BODY,
          r.durationMs,
          r.requestHeaders,
          r.attemptAt,
        );
      }
    });
    let messages = 0;
    for (const row of seedRows(o)) {
      batch.push(row);
      if (batch.length === 20_000) {
        flush(batch);
        messages += batch.length;
        batch.length = 0;
      }
    }
    flush(batch);
    messages += batch.length;
    const maintenanceStarted = performance.now();
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.pragma("synchronous = FULL");
    const done = performance.now();
    return {
      messages,
      deliveries: messages,
      attempts: messages,
      rows: messages * 3,
      seconds: (done - started) / 1000,
      maintenanceSeconds: (done - maintenanceStarted) / 1000,
      databaseBytes: statSync(this.file).size,
    };
  }

  async counts(cutoffMs: number): Promise<RowCounts> {
    const db = this.handle();
    const one = (sql: string, ...args: unknown[]) =>
      (db
        .prepare(sql)
        .pluck()
        .get(...args) as number) ?? 0;
    return {
      message: one("SELECT count(*) FROM message"),
      delivery: one("SELECT count(*) FROM delivery"),
      attempt: one("SELECT count(*) FROM attempt"),
      expiredMessage: one("SELECT count(*) FROM message WHERE id < ?", idFloorAt("msg", cutoffMs)),
      expiredDelivery: one("SELECT count(*) FROM delivery WHERE id < ?", idFloorAt("dlv", cutoffMs)),
      expiredAttempt: one("SELECT count(*) FROM attempt WHERE id < ?", idFloorAt("atmpt", cutoffMs)),
    };
  }

  async setJobRun(name: string, lastRunAt: number): Promise<void> {
    this.handle()
      .prepare(
        `INSERT INTO job_schedule (name, last_run_at) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at`,
      )
      .run(name, lastRunAt);
  }

  async jobRun(name: string): Promise<number | null> {
    const v = this.handle().prepare("SELECT last_run_at FROM job_schedule WHERE name = ?").pluck().get(name);
    return typeof v === "number" ? v : null;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
  }
}

export class PostgresBenchDb implements BenchDb {
  private client: pg.Client | null = null;
  /** The database the server and these helpers use now: the seeded one, later a copy of it. */
  url: string;
  private copies = 0;
  constructor(readonly seedUrl: string) {
    this.url = seedUrl;
  }

  private dbName(url: string): string {
    return decodeURIComponent(new URL(url).pathname.slice(1));
  }

  private async admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const adminUrl = new URL(this.seedUrl);
    adminUrl.pathname = "/postgres";
    const c = new pg.Client({ connectionString: adminUrl.toString(), application_name: "hookline-bench" });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async snapshot(): Promise<void> {
    // The seeded database itself is the template; nothing may stay connected to it.
    await this.close();
  }

  async restore(): Promise<string | null> {
    await this.close();
    const previous = this.url === this.seedUrl ? null : this.dbName(this.url);
    const name = `${this.dbName(this.seedUrl)}_run${++this.copies}`;
    await this.admin(async (c) => {
      if (previous) await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(previous)} WITH (FORCE)`);
      // FILE_COPY: checkpoint, copy the files and fsync them, so the copy is on disk before the phase.
      await c.query(
        `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(this.dbName(this.seedUrl))} STRATEGY FILE_COPY`,
      );
    });
    const url = new URL(this.seedUrl);
    url.pathname = `/${encodeURIComponent(name)}`;
    this.url = url.toString();
    return this.url;
  }

  private async handle(): Promise<pg.Client> {
    if (!this.client) {
      const c = new pg.Client({ connectionString: this.url, application_name: "hookline-bench" });
      await c.connect();
      this.client = c;
    }
    return this.client;
  }

  async seed(o: SeedOptions): Promise<SeedReport> {
    const started = performance.now();
    // A database that has run for months has a partition for each window of them, made ahead of
    // the clock by the server; the server made only today's and the next few days' here.
    const pool = new pg.Pool({ connectionString: this.url, max: 1 });
    try {
      await new HistoryPartitions(pool, partitionWidthMs(o.retentionDays)).ensureCovering(o.fromMs, o.toMs);
    } finally {
      await pool.end();
    }
    const c = await this.handle();
    // Bulk load only, in this session: skip the FK triggers (rows are consistent by construction)
    // and the per-commit WAL flush.
    await c.query("SET session_replication_role = replica");
    await c.query("SET synchronous_commit = off");
    let messages = 0;
    const insertBatch = async (rows: SeedRow[]) => {
      if (rows.length === 0) return;
      await c.query("BEGIN");
      await c.query(
        `INSERT INTO message (id, app_id, event_type, payload, created_at)
         SELECT id, $1, 'invoice.paid', payload, created_at FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t(id, payload, created_at)`,
        [o.appId, rows.map((r) => r.msgId), rows.map((r) => r.payload), rows.map((r) => r.createdAt)],
      );
      await c.query(
        `INSERT INTO delivery (id, app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, next_trigger,
           created_at, updated_at)
         SELECT id, $1, msg_id, $2, 0, 1, NULL, 0, created_at, updated_at
         FROM unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[]) AS t(id, msg_id, created_at, updated_at)`,
        [
          o.appId,
          o.endpointId,
          rows.map((r) => r.dlvId),
          rows.map((r) => r.msgId),
          rows.map((r) => r.createdAt),
          rows.map((r) => r.attemptAt),
        ],
      );
      await c.query(
        `INSERT INTO attempt (id, app_id, msg_id, endpoint_id, url, status, response_status_code, response,
           response_duration_ms, trigger_type, error_kind, request_headers, created_at)
         SELECT id, $1, msg_id, $2, $3, 0, 200, $4, duration, 0, NULL, headers::jsonb, created_at
         FROM unnest($5::text[], $6::text[], $7::int[], $8::text[], $9::bigint[])
           AS t(id, msg_id, duration, headers, created_at)`,
        [
          o.appId,
          o.endpointId,
          o.endpointUrl,
          RESPONSE_BODY,
          rows.map((r) => r.atmptId),
          rows.map((r) => r.msgId),
          rows.map((r) => r.durationMs),
          rows.map((r) => r.requestHeaders),
          rows.map((r) => r.attemptAt),
        ],
      );
      await c.query("COMMIT");
      messages += rows.length;
    };
    const batch: SeedRow[] = [];
    for (const row of seedRows(o)) {
      batch.push(row);
      if (batch.length === 10_000) {
        await insertBatch(batch);
        batch.length = 0;
      }
    }
    await insertBatch(batch);
    await c.query("RESET session_replication_role");
    await c.query("RESET synchronous_commit");
    // A table that has lived for months has been vacuumed and analyzed by autovacuum; a fresh bulk
    // load has not. Give the purge the statistics and visibility map a real database would have.
    const maintenanceStarted = performance.now();
    await c.query("VACUUM (ANALYZE) message, delivery, attempt");
    await c.query("CHECKPOINT");
    const done = performance.now();
    const size = await c.query<{ size: string }>("SELECT pg_database_size(current_database())::text AS size");
    return {
      messages,
      deliveries: messages,
      attempts: messages,
      rows: messages * 3,
      seconds: (done - started) / 1000,
      maintenanceSeconds: (done - maintenanceStarted) / 1000,
      databaseBytes: Number(size.rows[0]!.size),
    };
  }

  async counts(cutoffMs: number): Promise<RowCounts> {
    const c = await this.handle();
    const one = async (sql: string, args: unknown[] = []) =>
      Number((await c.query<{ n: string }>(sql, args)).rows[0]!.n);
    return {
      message: await one("SELECT count(*) AS n FROM message"),
      delivery: await one("SELECT count(*) AS n FROM delivery"),
      attempt: await one("SELECT count(*) AS n FROM attempt"),
      expiredMessage: await one("SELECT count(*) AS n FROM message WHERE id < $1", [idFloorAt("msg", cutoffMs)]),
      expiredDelivery: await one("SELECT count(*) AS n FROM delivery WHERE id < $1", [idFloorAt("dlv", cutoffMs)]),
      expiredAttempt: await one("SELECT count(*) AS n FROM attempt WHERE id < $1", [idFloorAt("atmpt", cutoffMs)]),
    };
  }

  async setJobRun(name: string, lastRunAt: number): Promise<void> {
    const c = await this.handle();
    await c.query(
      `INSERT INTO job_schedule (name, last_run_at) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET last_run_at = EXCLUDED.last_run_at`,
      [name, lastRunAt],
    );
  }

  async jobRun(name: string): Promise<number | null> {
    const c = await this.handle();
    const r = await c.query<{ t: string }>("SELECT last_run_at::text AS t FROM job_schedule WHERE name = $1", [name]);
    return r.rows[0] ? Number(r.rows[0].t) : null;
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
