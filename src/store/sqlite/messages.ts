import type Database from "better-sqlite3";
import type { Message } from "../../core/entities.ts";
import { conflict, DuplicateIdempotencyKey } from "../../core/errors.ts";
import { PLAINTEXT, type Sealer } from "../../core/secret-box.ts";
import { firstAttemptAt } from "../../core/message-schedule.ts";
import type {
  IdempotentResponse,
  KeyRange,
  MessageFilter,
  MessageRepository,
  MessageScanRow,
  NewDelivery,
  Page,
  PageRequest,
  ScanBatch,
} from "../store.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import * as messageRows from "../rows/messages.ts";
import { messageConditions, timeConditions } from "./filters.ts";
import { paginate } from "./paginate.ts";
import { json, prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export type MessageRow = messageRows.MessageRow;

/** A message row as this driver returns it (./pollers.ts reads its rows with it too). */
export const toMessage = (r: messageRows.MessageRow): Message => messageRows.toMessage(r, SQLITE_COLUMNS);

/**
 * Writes a message row and its deliveries; runs inside a write-batcher transaction (the caller's).
 * Shared by the API's message creation and the inbound gateway's acceptance.
 */
export function insertMessageRows(db: Database.Database, m: Message, deliveries: NewDelivery[]): void {
  prepared(
    db,
    `INSERT INTO message (id, app_id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at, inbound,
       deliver_at, traceparent, tracestate)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    m.id,
    m.appId,
    m.eventType,
    m.eventId,
    m.payload,
    json(m.channels),
    json(m.tags),
    m.createdAt,
    m.payloadExpiresAt,
    json(m.inbound),
    m.deliverAt ?? null,
    m.traceparent ?? null,
    m.tracestate ?? null,
  );
  const dueAt = firstAttemptAt(m);
  const insertDelivery = prepared(
    db,
    `INSERT INTO delivery (id, app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, next_trigger,
       lease_owner, lease_until, created_at, updated_at, stream_offset)
     VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?, ?, ?, ?, ?)`,
  );
  for (const d of deliveries) {
    if (d.stream) {
      // A polling endpoint's entry: settled at once, nothing due, with the next offset.
      const offset = prepared(db, "UPDATE poller_offset_counter SET last = last + 1 WHERE id = 1 RETURNING last")
        .pluck()
        .get() as number;
      insertDelivery.run(d.id, m.appId, m.id, d.endpointId, 0, null, null, null, m.createdAt, m.createdAt, offset);
      continue;
    }
    insertDelivery.run(
      d.id,
      m.appId,
      m.id,
      d.endpointId,
      1,
      dueAt,
      d.leaseOwner,
      d.leaseUntil,
      m.createdAt,
      m.createdAt,
      null,
    );
  }
}

export class SqliteMessages implements MessageRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    private readonly box: Sealer = PLAINTEXT,
  ) {}

  async insertWithDeliveries(m: Message, deliveries: NewDelivery[], idempotent?: IdempotentResponse): Promise<void> {
    const db = this.db;
    // Remembered responses are sealed like every other (./idempotency.ts), before the group commit.
    const idempotentBody = idempotent && this.box.seal(idempotent.body);
    await this.writer.run(() => {
      if (m.eventId !== null) {
        const taken = prepared(db, "SELECT 1 FROM message WHERE app_id = ? AND event_id = ?").get(m.appId, m.eventId);
        if (taken) throw conflict(`a message with eventId "${m.eventId}" already exists`);
      }
      insertMessageRows(db, m, deliveries);
      if (idempotent) {
        // A key already stored means another request committed first: this one must not add a second message.
        const inserted = prepared(
          db,
          "INSERT OR IGNORE INTO idempotency_key (scope, key, status_code, body, created_at) VALUES (?, ?, ?, ?, ?)",
        ).run(idempotent.scope, idempotent.key, idempotent.statusCode, idempotentBody, m.createdAt).changes;
        if (inserted === 0) throw new DuplicateIdempotencyKey();
      }
    });
  }

  async get(appId: string, idOrEventId: string): Promise<Message | undefined> {
    const row = prepared(
      this.db,
      "SELECT * FROM message WHERE app_id = ? AND (id = ? OR event_id = ?) ORDER BY id = ? DESC LIMIT 1",
    ).get(appId, idOrEventId, idOrEventId, idOrEventId) as messageRows.MessageRow | undefined;
    return row && toMessage(row);
  }

  async appIdOf(msgId: string): Promise<string | undefined> {
    const row = prepared(this.db, "SELECT app_id FROM message WHERE id = ?").get(msgId) as
      { app_id: string } | undefined;
    return row?.app_id;
  }

  async getMany(appId: string, ids: string[]): Promise<Map<string, Message>> {
    const out = new Map<string, Message>();
    const stmt = prepared(this.db, "SELECT * FROM message WHERE app_id = ? AND id = ?");
    for (const id of new Set(ids)) {
      const row = stmt.get(appId, id) as messageRows.MessageRow | undefined;
      if (row) out.set(id, toMessage(row));
    }
    return out;
  }

  async list(appId: string, filter: MessageFilter, page: PageRequest): Promise<Page<Message>> {
    const m = messageConditions(filter, "message");
    const t = timeConditions(filter, "created_at");
    return paginate<messageRows.MessageRow, Message>(
      this.db,
      {
        from: "message",
        where: ["app_id = ?", ...m.where, ...t.where],
        params: [appId, ...m.params, ...t.params],
        key: "id",
      },
      page,
      toMessage,
      (r) => r.id,
    );
  }

  async expungeContent(appId: string, id: string): Promise<void> {
    await this.writer.run(() =>
      prepared(this.db, "UPDATE message SET payload = NULL WHERE app_id = ? AND id = ?").run(appId, id),
    );
  }

  async scanForEndpoint(appId: string, endpointId: string, range: KeyRange, limit: number): Promise<MessageScanRow[]> {
    const rows = prepared(
      this.db,
      `SELECT m.id, m.event_type, m.channels, m.payload IS NULL AS expunged,
         EXISTS (SELECT 1 FROM delivery d WHERE d.msg_id = m.id AND d.endpoint_id = ?) AS has_delivery
       FROM message m WHERE m.app_id = ? AND m.id > ? AND m.id < ? ORDER BY m.id LIMIT ?`,
    ).all(endpointId, appId, range.after, range.before, limit) as messageRows.MessageScanColumns[];
    return rows.map((r) => messageRows.toMessageScanRow(r, SQLITE_COLUMNS));
  }

  async expungeBatch(appId: string, range: KeyRange, limit: number): Promise<ScanBatch> {
    return this.writer.run(() => {
      const ids = prepared(this.db, "SELECT id FROM message WHERE app_id = ? AND id > ? AND id < ? ORDER BY id LIMIT ?")
        .pluck()
        .all(appId, range.after, range.before, limit) as string[];
      if (ids.length === 0) return { changed: 0, scanned: 0, next: range.after };
      const last = ids[ids.length - 1]!;
      const changed = prepared(
        this.db,
        "UPDATE message SET payload = NULL WHERE app_id = ? AND id >= ? AND id <= ? AND payload IS NOT NULL",
      ).run(appId, ids[0], last).changes;
      return { changed, scanned: ids.length, next: last };
    });
  }
}
