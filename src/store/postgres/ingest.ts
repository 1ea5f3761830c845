import type pg from "pg";
import type { Application, IngestLogEntry, IngestSource, Message } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import * as ingestRows from "../rows/ingest.ts";
import type { DedupeClaim, IngestAcceptance, IngestRepository, NewDelivery, Page, PageRequest } from "../store.ts";
import { DELETE_APPLICATION } from "./applications.ts";
import { INSERT_MESSAGE, insertMessageParams } from "./messages.ts";
import { withPartitionFor, type HistoryPartitions } from "./partitions.ts";
import { paginate } from "./paginate.ts";
import { json, Params, type Queryable } from "./sql.ts";
import { inTransaction } from "./transaction.ts";

const INSERT_LOG = `INSERT INTO ingest_log (id, source_id, status_code, outcome, error_text, headers, payload, msg_id,
  created_at, updated_at, client_ip) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $9, $10)`;

export class PostgresIngest implements IngestRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly box: Sealer,
    private readonly partitions: HistoryPartitions,
  ) {}

  private toSource = (r: ingestRows.SourceRow): IngestSource => ingestRows.toSource(r, POSTGRES_COLUMNS, this.box);

  async insertSource(s: IngestSource, app: Application): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      await db.query(
        `INSERT INTO application (id, uid, name, throttle_rate, metadata, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
        [app.id, app.uid, app.name, app.throttleRate, json(app.metadata), app.createdAt, app.updatedAt],
      );
      await db.query(
        `INSERT INTO ingest_source (id, uid, app_id, name, type, config, options, metadata, token, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11)`,
        ingestRows.sourceInsertValues(this.box, s),
      );
    });
  }

  async getSource(idOrUid: string): Promise<IngestSource | undefined> {
    const { rows } = await this.pool.query<ingestRows.SourceRow>(
      "SELECT * FROM ingest_source WHERE id = $1 OR uid = $1 ORDER BY id = $1 DESC LIMIT 1",
      [idOrUid],
    );
    return rows[0] && this.toSource(rows[0]);
  }

  async listSources(page: PageRequest): Promise<Page<IngestSource>> {
    return paginate<ingestRows.SourceRow, IngestSource>(
      this.pool,
      { from: "ingest_source", where: [], params: new Params(), key: "id" },
      page,
      this.toSource,
      (r) => r.id,
    );
  }

  async listSourcesOfType(type: string): Promise<IngestSource[]> {
    const { rows } = await this.pool.query<ingestRows.SourceRow>(
      "SELECT * FROM ingest_source WHERE type = $1 ORDER BY id",
      [type],
    );
    return rows.map(this.toSource);
  }

  async updateSource(s: IngestSource): Promise<void> {
    await this.pool.query(
      `UPDATE ingest_source SET uid = $1, name = $2, type = $3, config = $4, options = $5::jsonb, metadata = $6::jsonb,
         token = $7, updated_at = $8 WHERE id = $9`,
      ingestRows.sourceUpdateValues(this.box, s),
    );
  }

  async deleteSource(id: string): Promise<void> {
    // The backing application's cascade removes the source row, its log, dedupe claims,
    // destinations, events, deliveries and attempts.
    const { rows } = await this.pool.query<{ app_id: string }>("SELECT app_id FROM ingest_source WHERE id = $1", [id]);
    if (rows[0]) await this.pool.query(DELETE_APPLICATION, [rows[0].app_id]);
  }

  async accept(
    message: Message,
    deliveries: NewDelivery[],
    dedupe: DedupeClaim | null,
    log: IngestLogEntry,
  ): Promise<IngestAcceptance> {
    // A missing partition aborts the whole transaction, so the retry runs all of it again.
    return withPartitionFor(this.partitions, message.createdAt, () =>
      this.acceptOnce(message, deliveries, dedupe, log),
    );
  }

  private acceptOnce(
    message: Message,
    deliveries: NewDelivery[],
    dedupe: DedupeClaim | null,
    log: IngestLogEntry,
  ): Promise<IngestAcceptance> {
    return inTransaction(this.pool, async (db) => {
      if (dedupe) {
        const original = await this.claimAll(db, log.sourceId, dedupe, message);
        if (original !== null) {
          await db.query(INSERT_LOG, ingestRows.logInsertValues(ingestRows.duplicateLog(log, original)));
          return { duplicateOf: original };
        }
      }
      await db.query(INSERT_MESSAGE + " SELECT 1", insertMessageParams(message, deliveries));
      await db.query(INSERT_LOG, ingestRows.logInsertValues(log));
      return { duplicateOf: null };
    });
  }

  /**
   * Claims every key unless a live claim holds one of them; returns that claim's message id (and
   * keeps none of this request's claims), or null when all are now this message's. A concurrent
   * claim of the same key (another process receiving the same redelivery) waits on the row lock
   * until the first commits, then finds the live claim: exactly one of them forwards. Keys are
   * claimed in sorted order, so two requests sharing two keys cannot deadlock.
   */
  private async claimAll(
    db: Queryable,
    sourceId: string,
    dedupe: DedupeClaim,
    message: Message,
  ): Promise<string | null> {
    await db.query("SAVEPOINT dedupe_claims");
    for (const key of [...dedupe.keys].sort()) {
      const claimed = await db.query<{ msg_id: string }>(
        `INSERT INTO ingest_dedupe (source_id, dedupe_key, msg_id, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (source_id, dedupe_key) DO UPDATE SET msg_id = EXCLUDED.msg_id, expires_at = EXCLUDED.expires_at
         WHERE ingest_dedupe.expires_at <= $5
         RETURNING msg_id`,
        [sourceId, key, message.id, dedupe.expiresAt, message.createdAt],
      );
      if (claimed.rows.length === 0) {
        const { rows } = await db.query<{ msg_id: string }>(
          "SELECT msg_id FROM ingest_dedupe WHERE source_id = $1 AND dedupe_key = $2",
          [sourceId, key],
        );
        // The keys claimed before this one are released: the request is a duplicate, not a new event.
        await db.query("ROLLBACK TO SAVEPOINT dedupe_claims");
        return rows[0]!.msg_id;
      }
    }
    await db.query("RELEASE SAVEPOINT dedupe_claims");
    return null;
  }

  async appendLog(entry: IngestLogEntry): Promise<void> {
    await this.pool.query(INSERT_LOG, ingestRows.logInsertValues(entry));
  }

  async getLog(sourceId: string, id: string): Promise<IngestLogEntry | undefined> {
    const { rows } = await this.pool.query<ingestRows.LogRow>(
      "SELECT * FROM ingest_log WHERE source_id = $1 AND id = $2",
      [sourceId, id],
    );
    return rows[0] && ingestRows.toLog(rows[0], POSTGRES_COLUMNS);
  }

  async listLogs(sourceId: string, page: PageRequest): Promise<Page<IngestLogEntry>> {
    const params = new Params();
    return paginate<ingestRows.LogRow, IngestLogEntry>(
      this.pool,
      { from: "ingest_log", where: [`source_id = ${params.add(sourceId)}`], params, key: "id" },
      page,
      (r) => ingestRows.toLog(r, POSTGRES_COLUMNS),
      (r) => r.id,
    );
  }

  async purge(now: number, cutoff: number, limit: number): Promise<number> {
    const claims = await this.pool.query(
      `DELETE FROM ingest_dedupe WHERE ctid IN (SELECT ctid FROM ingest_dedupe WHERE expires_at <= $1 LIMIT $2
         FOR UPDATE SKIP LOCKED)`,
      [now, limit],
    );
    const logs = await this.pool.query(
      `DELETE FROM ingest_log WHERE id IN (SELECT id FROM ingest_log WHERE created_at < $1 LIMIT $2
         FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
    return (claims.rowCount ?? 0) + (logs.rowCount ?? 0);
  }
}
