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
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import * as messageRows from "../rows/messages.ts";
import { messageConditions, timeConditions } from "./filters.ts";
import { MessageGroupInsert } from "./message-group-insert.ts";
import { paginate } from "./paginate.ts";
import { withPartitionFor, type HistoryPartitions } from "./partitions.ts";
import { isDatabaseError, json, Params, UNIQUE_VIOLATION, type Queryable } from "./sql.ts";

export type MessageRow = messageRows.MessageRow;

/** A message row as this driver returns it (./pollers.ts reads its rows with it too). */
export const toMessage = (r: messageRows.MessageRow): Message => messageRows.toMessage(r, POSTGRES_COLUMNS);

/**
 * The message, its deliveries and the idempotent response as ONE statement: data-modifying CTEs
 * run in the statement's single implicit transaction, so this is atomic and costs one round trip
 * however many endpoints the message fans out to (deliveries arrive as parallel arrays and are
 * inserted by one `unnest`). An eventId is claimed in message_event_key in the same statement:
 * its primary key, not a prior SELECT, decides between two senders.
 */
export const INSERT_MESSAGE = `
  WITH message_row AS (
    INSERT INTO message (id, app_id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at,
      inbound, deliver_at, traceparent, tracestate)
    VALUES ($1::text, $2::text, $3, $4, $5, $6::jsonb, $7::jsonb, $8::bigint, $13::bigint, $14::jsonb, $15::bigint,
      $17::text, $18::text)
  ), event_key_row AS (
    INSERT INTO message_event_key (app_id, event_id, msg_id) SELECT $2, $4, $1 WHERE $4::text IS NOT NULL
  ), delivery_rows AS (
    INSERT INTO delivery (id, app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, next_trigger,
      lease_owner, lease_until, created_at, updated_at, stream_offset)
    SELECT d.id, $2, $1, d.endpoint_id, CASE WHEN d.stream THEN 0 ELSE 1 END, 0,
      CASE WHEN d.stream THEN NULL ELSE $16::bigint END, 0, d.lease_owner, d.lease_until, $8, $8,
      CASE WHEN d.stream THEN nextval('poller_offset_seq') END
    FROM unnest($9::text[], $10::text[], $11::text[], $12::bigint[], $19::boolean[])
      AS d(id, endpoint_id, lease_owner, lease_until, stream)
  )`;

/**
 * Appended when the request carried an idempotency key. No ON CONFLICT: if another request (in
 * any process) committed the key first, the unique violation rolls back this whole statement, so
 * the message is never created twice.
 */
const INSERT_IDEMPOTENT = `, idempotent_row AS (
    INSERT INTO idempotency_key (scope, key, status_code, body, created_at) VALUES ($20, $21, $22, $23, $8)
  )`;

/** The parameters $1…$19 of INSERT_MESSAGE (INSERT_IDEMPOTENT's follow them). */
export function insertMessageParams(m: Message, deliveries: NewDelivery[]): unknown[] {
  return [
    m.id,
    m.appId,
    m.eventType,
    m.eventId,
    m.payload,
    json(m.channels),
    json(m.tags),
    m.createdAt,
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.endpointId),
    deliveries.map((d) => d.leaseOwner),
    deliveries.map((d) => d.leaseUntil),
    m.payloadExpiresAt,
    json(m.inbound),
    m.deliverAt ?? null,
    firstAttemptAt(m),
    m.traceparent ?? null,
    m.tracestate ?? null,
    deliveries.map((d) => d.stream === true),
  ];
}

export class PostgresMessages implements MessageRepository {
  readonly group: MessageGroupInsert;

  constructor(
    private readonly db: Queryable,
    private readonly partitions: HistoryPartitions,
    private readonly box: Sealer = PLAINTEXT,
  ) {
    this.group = new MessageGroupInsert(db, (m, deliveries) => this.insertOne(m, deliveries));
  }

  /**
   * Messages without an idempotency key go through the group insert (one statement for all those
   * accepted in the same turn); one with a key commits the key with it in a statement of its own.
   */
  async insertWithDeliveries(m: Message, deliveries: NewDelivery[], idempotent?: IdempotentResponse): Promise<void> {
    if (idempotent) return this.insertOne(m, deliveries, idempotent);
    return this.group.insert(m, deliveries);
  }

  private async insertOne(m: Message, deliveries: NewDelivery[], idempotent?: IdempotentResponse): Promise<void> {
    const params = insertMessageParams(m, deliveries);
    let sql = INSERT_MESSAGE;
    if (idempotent) {
      sql += INSERT_IDEMPOTENT;
      // Sealed like every remembered response (./idempotency.ts).
      params.push(idempotent.scope, idempotent.key, idempotent.statusCode, this.box.seal(idempotent.body));
    }
    try {
      await withPartitionFor(this.partitions, m.createdAt, () => this.db.query(sql + " SELECT 1", params));
    } catch (error) {
      // The unique index, not a prior SELECT, decides: of two concurrent requests with the same
      // eventId the second waits for the first to commit and then gets this violation.
      if (isDatabaseError(error, UNIQUE_VIOLATION) && error.constraint === "message_event_id") {
        throw conflict(`a message with eventId "${m.eventId}" already exists`);
      }
      if (isDatabaseError(error, UNIQUE_VIOLATION) && error.constraint === "idempotency_key_pkey") {
        throw new DuplicateIdempotencyKey();
      }
      throw error;
    }
  }

  async get(appId: string, idOrEventId: string): Promise<Message | undefined> {
    // An id match wins over an eventId match, as in SQLite.
    const { rows } = await this.db.query<messageRows.MessageRow>(
      "SELECT * FROM message WHERE app_id = $1 AND (id = $2 OR event_id = $2) ORDER BY id = $2 DESC LIMIT 1",
      [appId, idOrEventId],
    );
    return rows[0] && toMessage(rows[0]);
  }

  async appIdOf(msgId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ app_id: string }>("SELECT app_id FROM message WHERE id = $1", [msgId]);
    return rows[0]?.app_id;
  }

  /** One query for the whole set (SQLite loops, since its lookups cost no round trip). */
  async getMany(appId: string, ids: string[]): Promise<Map<string, Message>> {
    const out = new Map<string, Message>();
    if (ids.length === 0) return out;
    const { rows } = await this.db.query<messageRows.MessageRow>(
      "SELECT * FROM message WHERE app_id = $1 AND id = ANY($2::text[])",
      [appId, [...new Set(ids)]],
    );
    for (const row of rows) out.set(row.id, toMessage(row));
    return out;
  }

  async list(appId: string, filter: MessageFilter, page: PageRequest): Promise<Page<Message>> {
    const params = new Params();
    const where = [
      `app_id = ${params.add(appId)}`,
      ...messageConditions(filter, "message", params),
      ...timeConditions(filter, "created_at", params),
    ];
    return paginate<messageRows.MessageRow, Message>(
      this.db,
      { from: "message", where, params, key: "id" },
      page,
      toMessage,
      (r) => r.id,
    );
  }

  async expungeContent(appId: string, id: string): Promise<void> {
    await this.db.query("UPDATE message SET payload = NULL WHERE app_id = $1 AND id = $2", [appId, id]);
  }

  async scanForEndpoint(appId: string, endpointId: string, range: KeyRange, limit: number): Promise<MessageScanRow[]> {
    const { rows } = await this.db.query<messageRows.MessageScanColumns>(
      `SELECT m.id, m.event_type, m.channels, m.payload IS NULL AS expunged,
         EXISTS (SELECT 1 FROM delivery d WHERE d.msg_id = m.id AND d.endpoint_id = $1) AS has_delivery
       FROM message m WHERE m.app_id = $2 AND m.id > $3 AND m.id < $4 ORDER BY m.id LIMIT $5`,
      [endpointId, appId, range.after, range.before, limit],
    );
    return rows.map((r) => messageRows.toMessageScanRow(r, POSTGRES_COLUMNS));
  }

  /** One statement: the batch's ids, the update of those with a payload, and the counts, in one snapshot. */
  async expungeBatch(appId: string, range: KeyRange, limit: number): Promise<ScanBatch> {
    const { rows } = await this.db.query<{ next: string | null; scanned: number; changed: number }>(
      `WITH batch AS (
         SELECT id FROM message WHERE app_id = $1 AND id > $2 AND id < $3 ORDER BY id LIMIT $4
       ), cleared AS (
         UPDATE message SET payload = NULL
         WHERE app_id = $1 AND id IN (SELECT id FROM batch) AND payload IS NOT NULL RETURNING 1
       )
       SELECT (SELECT max(id) FROM batch) AS next, (SELECT count(*) FROM batch)::int AS scanned,
         (SELECT count(*) FROM cleared)::int AS changed`,
      [appId, range.after, range.before, limit],
    );
    const row = rows[0]!;
    return { changed: row.changed, scanned: row.scanned, next: row.next ?? range.after };
  }
}
