import type Database from "better-sqlite3";
import type { Application, IngestLogEntry, IngestSource, Message } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import * as ingestRows from "../rows/ingest.ts";
import type { DedupeClaim, IngestAcceptance, IngestRepository, NewDelivery, Page, PageRequest } from "../store.ts";
import { insertMessageRows } from "./messages.ts";
import { paginate } from "./paginate.ts";
import { json, prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export class SqliteIngest implements IngestRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    private readonly box: Sealer,
  ) {}

  private toSource = (r: ingestRows.SourceRow): IngestSource => ingestRows.toSource(r, SQLITE_COLUMNS, this.box);

  async insertSource(s: IngestSource, app: Application): Promise<void> {
    await this.writer.run(() => {
      prepared(
        this.db,
        "INSERT INTO application (id, uid, name, throttle_rate, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ).run(app.id, app.uid, app.name, app.throttleRate, json(app.metadata), app.createdAt, app.updatedAt);
      prepared(
        this.db,
        `INSERT INTO ingest_source (id, uid, app_id, name, type, config, options, metadata, token, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...ingestRows.sourceInsertValues(this.box, s));
    });
  }

  async getSource(idOrUid: string): Promise<IngestSource | undefined> {
    const row = prepared(
      this.db,
      "SELECT * FROM ingest_source WHERE id = ? OR uid = ? ORDER BY id = ? DESC LIMIT 1",
    ).get(idOrUid, idOrUid, idOrUid) as ingestRows.SourceRow | undefined;
    return row && this.toSource(row);
  }

  async listSources(page: PageRequest): Promise<Page<IngestSource>> {
    return paginate<ingestRows.SourceRow, IngestSource>(
      this.db,
      { from: "ingest_source", where: [], params: [], key: "id" },
      page,
      this.toSource,
      (r) => r.id,
    );
  }

  async listSourcesOfType(type: string): Promise<IngestSource[]> {
    const rows = prepared(this.db, "SELECT * FROM ingest_source WHERE type = ? ORDER BY id").all(
      type,
    ) as ingestRows.SourceRow[];
    return rows.map(this.toSource);
  }

  async updateSource(s: IngestSource): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `UPDATE ingest_source SET uid = ?, name = ?, type = ?, config = ?, options = ?, metadata = ?, token = ?, updated_at = ?
         WHERE id = ?`,
      ).run(...ingestRows.sourceUpdateValues(this.box, s)),
    );
  }

  async deleteSource(id: string): Promise<void> {
    // The backing application's cascade removes the source row, its log, dedupe claims,
    // destinations, events, deliveries and attempts.
    await this.writer.run(() =>
      prepared(this.db, "DELETE FROM application WHERE id = (SELECT app_id FROM ingest_source WHERE id = ?)").run(id),
    );
  }

  async accept(
    message: Message,
    deliveries: NewDelivery[],
    dedupe: DedupeClaim | null,
    log: IngestLogEntry,
  ): Promise<IngestAcceptance> {
    const sourceId = log.sourceId;
    return this.writer.run((): IngestAcceptance => {
      if (dedupe) {
        const live = prepared(
          this.db,
          "SELECT msg_id FROM ingest_dedupe WHERE source_id = ? AND dedupe_key = ? AND expires_at > ?",
        );
        for (const key of dedupe.keys) {
          const seen = live.get(sourceId, key, message.createdAt) as { msg_id: string } | undefined;
          if (seen) {
            this.insertLog(ingestRows.duplicateLog(log, seen.msg_id));
            return { duplicateOf: seen.msg_id };
          }
        }
        const claim = prepared(
          this.db,
          `INSERT INTO ingest_dedupe (source_id, dedupe_key, msg_id, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (source_id, dedupe_key) DO UPDATE SET msg_id = excluded.msg_id, expires_at = excluded.expires_at`,
        );
        for (const key of dedupe.keys) claim.run(sourceId, key, message.id, dedupe.expiresAt);
      }
      insertMessageRows(this.db, message, deliveries);
      this.insertLog(log);
      return { duplicateOf: null };
    });
  }

  async appendLog(entry: IngestLogEntry): Promise<void> {
    await this.writer.run(() => this.insertLog(entry));
  }

  private insertLog(e: IngestLogEntry): void {
    prepared(
      this.db,
      `INSERT INTO ingest_log (id, source_id, status_code, outcome, error_text, headers, payload, msg_id, created_at,
         client_ip, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...ingestRows.logInsertValues(e), e.createdAt);
  }

  async getLog(sourceId: string, id: string): Promise<IngestLogEntry | undefined> {
    const row = prepared(this.db, "SELECT * FROM ingest_log WHERE source_id = ? AND id = ?").get(sourceId, id) as
      ingestRows.LogRow | undefined;
    return row && ingestRows.toLog(row, SQLITE_COLUMNS);
  }

  async listLogs(sourceId: string, page: PageRequest): Promise<Page<IngestLogEntry>> {
    return paginate<ingestRows.LogRow, IngestLogEntry>(
      this.db,
      { from: "ingest_log", where: ["source_id = ?"], params: [sourceId], key: "id" },
      page,
      (r) => ingestRows.toLog(r, SQLITE_COLUMNS),
      (r) => r.id,
    );
  }

  async purge(now: number, cutoff: number, limit: number): Promise<number> {
    return this.writer.run(() => {
      const claims = prepared(
        this.db,
        "DELETE FROM ingest_dedupe WHERE rowid IN (SELECT rowid FROM ingest_dedupe WHERE expires_at <= ? LIMIT ?)",
      ).run(now, limit).changes;
      const logs = prepared(
        this.db,
        "DELETE FROM ingest_log WHERE id IN (SELECT id FROM ingest_log WHERE created_at < ? LIMIT ?)",
      ).run(cutoff, limit).changes;
      return claims + logs;
    });
  }
}
