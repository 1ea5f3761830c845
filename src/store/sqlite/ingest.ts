import type Database from "better-sqlite3";
import type { Application, IngestLogEntry, IngestSource, IngestSourceOptions, Message } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import type { DedupeClaim, IngestAcceptance, IngestRepository, NewDelivery, Page, PageRequest } from "../store.ts";
import { duplicateLog, openTokens, sealTokens } from "../ingest-rows.ts";
import { insertMessageRows } from "./messages.ts";
import { paginate } from "./paginate.ts";
import { json, parseJson, prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

interface SourceRow {
  id: string;
  uid: string | null;
  app_id: string;
  name: string;
  type: string;
  config: string;
  options: string;
  metadata: string;
  token: string;
  created_at: number;
  updated_at: number;
}

interface LogRow {
  id: string;
  source_id: string;
  status_code: number;
  outcome: IngestLogEntry["outcome"];
  error_text: string;
  headers: string;
  payload: string;
  msg_id: string | null;
  created_at: number;
  client_ip: string | null;
}

const toLog = (r: LogRow): IngestLogEntry => ({
  id: r.id,
  sourceId: r.source_id,
  statusCode: r.status_code,
  outcome: r.outcome,
  errorText: r.error_text,
  headers: parseJson(r.headers) ?? {},
  payload: r.payload,
  msgId: r.msg_id,
  createdAt: r.created_at,
  clientIp: r.client_ip,
});

export class SqliteIngest implements IngestRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    private readonly box: Sealer,
  ) {}

  private toSource = (r: SourceRow): IngestSource => ({
    id: r.id,
    uid: r.uid,
    appId: r.app_id,
    name: r.name,
    type: r.type,
    config: JSON.parse(this.box.open(r.config)) as Record<string, unknown>,
    options: JSON.parse(r.options) as IngestSourceOptions,
    metadata: parseJson(r.metadata) ?? {},
    ...openTokens(this.box, r.token),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

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
      ).run(
        s.id,
        s.uid,
        s.appId,
        s.name,
        s.type,
        this.box.seal(JSON.stringify(s.config)),
        JSON.stringify(s.options),
        json(s.metadata),
        sealTokens(this.box, s),
        s.createdAt,
        s.updatedAt,
      );
    });
  }

  async getSource(idOrUid: string): Promise<IngestSource | undefined> {
    const row = prepared(
      this.db,
      "SELECT * FROM ingest_source WHERE id = ? OR uid = ? ORDER BY id = ? DESC LIMIT 1",
    ).get(idOrUid, idOrUid, idOrUid) as SourceRow | undefined;
    return row && this.toSource(row);
  }

  async listSources(page: PageRequest): Promise<Page<IngestSource>> {
    return paginate<SourceRow, IngestSource>(
      this.db,
      { from: "ingest_source", where: [], params: [], key: "id" },
      page,
      this.toSource,
      (r) => r.id,
    );
  }

  async listSourcesOfType(type: string): Promise<IngestSource[]> {
    const rows = prepared(this.db, "SELECT * FROM ingest_source WHERE type = ? ORDER BY id").all(type) as SourceRow[];
    return rows.map(this.toSource);
  }

  async updateSource(s: IngestSource): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `UPDATE ingest_source SET uid = ?, name = ?, type = ?, config = ?, options = ?, metadata = ?, token = ?, updated_at = ?
         WHERE id = ?`,
      ).run(
        s.uid,
        s.name,
        s.type,
        this.box.seal(JSON.stringify(s.config)),
        JSON.stringify(s.options),
        json(s.metadata),
        sealTokens(this.box, s),
        s.updatedAt,
        s.id,
      ),
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
            this.insertLog(duplicateLog(log, seen.msg_id));
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
         updated_at, client_ip)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      e.id,
      e.sourceId,
      e.statusCode,
      e.outcome,
      e.errorText,
      JSON.stringify(e.headers),
      e.payload,
      e.msgId,
      e.createdAt,
      e.createdAt,
      e.clientIp,
    );
  }

  async getLog(sourceId: string, id: string): Promise<IngestLogEntry | undefined> {
    const row = prepared(this.db, "SELECT * FROM ingest_log WHERE source_id = ? AND id = ?").get(sourceId, id) as
      LogRow | undefined;
    return row && toLog(row);
  }

  async listLogs(sourceId: string, page: PageRequest): Promise<Page<IngestLogEntry>> {
    return paginate<LogRow, IngestLogEntry>(
      this.db,
      { from: "ingest_log", where: ["source_id = ?"], params: [sourceId], key: "id" },
      page,
      toLog,
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
