import type Database from "better-sqlite3";
import type { Sealer } from "../../core/secret-box.ts";
import type { ApiToken, PollerConsumer, PollerRepository, PollerToken, StreamEntry, StreamRead } from "../store.ts";
import { ISSUED_TOKEN_COLUMNS, issuedTokenValues } from "../rows/tokens.ts";
import * as pollerRows from "../rows/pollers.ts";
import { toMessage, type MessageRow } from "./messages.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

function insertApiToken(db: Database.Database, t: ApiToken): void {
  prepared(db, `INSERT INTO api_token (${ISSUED_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
    ...issuedTokenValues(t),
  );
}

/** Polling endpoints' streams (their settled deliveries), consumers and tokens. */
export class SqlitePollers implements PollerRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    private readonly box: Sealer,
  ) {}

  async read(appId: string, endpointId: string, q: StreamRead): Promise<StreamEntry[]> {
    // A range of delivery_by_endpoint (endpoint_id, msg_id), joined to each message by its key.
    const where = ["d.endpoint_id = ?", "d.app_id = ?", "d.msg_id > ?", "d.msg_id < ?", "d.stream_offset IS NOT NULL"];
    const params: unknown[] = [endpointId, appId, q.after, q.before];
    if (q.eventType !== undefined) {
      where.push("m.event_type = ?");
      params.push(q.eventType);
    }
    if (q.channel !== undefined) {
      where.push("EXISTS (SELECT 1 FROM json_each(m.channels) WHERE value = ?)");
      params.push(q.channel);
    }
    const rows = prepared(
      this.db,
      `SELECT m.*, d.stream_offset FROM delivery d JOIN message m ON m.id = d.msg_id
       WHERE ${where.join(" AND ")} ORDER BY d.msg_id LIMIT ?`,
    ).all(...params, q.limit) as (MessageRow & { stream_offset: number })[];
    return rows.map((r) => ({ message: toMessage(r), offset: r.stream_offset }));
  }

  async positionOf(appId: string, endpointId: string, offset: number): Promise<string | undefined> {
    return prepared(this.db, "SELECT msg_id FROM delivery WHERE endpoint_id = ? AND stream_offset = ? AND app_id = ?")
      .pluck()
      .get(endpointId, offset, appId) as string | undefined;
  }

  async getConsumer(appId: string, endpointId: string, consumerId: string): Promise<PollerConsumer | undefined> {
    const row = prepared(
      this.db,
      "SELECT * FROM poller_consumer WHERE endpoint_id = ? AND consumer_id = ? AND app_id = ?",
    ).get(endpointId, consumerId, appId) as pollerRows.ConsumerRow | undefined;
    return row && pollerRows.toConsumer(row);
  }

  async putConsumer(appId: string, endpointId: string, consumerId: string, c: PollerConsumer, now: number) {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO poller_consumer (app_id, endpoint_id, consumer_id, position, leased_position, lease_until, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (endpoint_id, consumer_id) DO UPDATE SET position = excluded.position,
           leased_position = excluded.leased_position, lease_until = excluded.lease_until,
           updated_at = excluded.updated_at`,
      ).run(appId, endpointId, consumerId, c.position, c.leasedPosition, c.leaseUntil, now),
    );
  }

  async commit(appId: string, endpointId: string, consumerId: string, position: string, now: number) {
    await this.writer.run(() =>
      prepared(
        this.db,
        // Only forward; a commit that reaches the leased position ends the lease.
        `INSERT INTO poller_consumer (app_id, endpoint_id, consumer_id, position, leased_position, lease_until, updated_at)
         VALUES (?, ?, ?, ?, NULL, NULL, ?)
         ON CONFLICT (endpoint_id, consumer_id) DO UPDATE SET
           position = MAX(position, excluded.position),
           leased_position = CASE WHEN leased_position <= excluded.position THEN NULL ELSE leased_position END,
           lease_until = CASE WHEN leased_position <= excluded.position THEN NULL ELSE lease_until END,
           updated_at = excluded.updated_at`,
      ).run(appId, endpointId, consumerId, position, now),
    );
  }

  async getToken(appId: string, endpointId: string): Promise<PollerToken | undefined> {
    const row = prepared(this.db, "SELECT * FROM poller_token WHERE endpoint_id = ? AND app_id = ?").get(
      endpointId,
      appId,
    ) as pollerRows.PollerTokenRow | undefined;
    return row && pollerRows.toPollerToken(row, this.box);
  }

  async insertToken(t: PollerToken, record: ApiToken): Promise<boolean> {
    const db = this.db;
    return this.writer.run(() => {
      if (prepared(db, "SELECT 1 FROM poller_token WHERE endpoint_id = ?").get(t.endpointId)) return false;
      insertApiToken(db, record);
      this.insertTokenRow(t);
      return true;
    });
  }

  async rotateToken(t: PollerToken, record: ApiToken, oldExpiresAt: number): Promise<void> {
    const db = this.db;
    await this.writer.run(() => {
      const previous = prepared(db, "DELETE FROM poller_token WHERE endpoint_id = ? AND app_id = ? RETURNING token_id")
        .pluck()
        .get(t.endpointId, t.appId) as string | undefined;
      if (previous !== undefined) {
        prepared(db, "UPDATE api_token SET revoked_at = ? WHERE id = ? AND (revoked_at IS NULL OR revoked_at > ?)").run(
          oldExpiresAt,
          previous,
          oldExpiresAt,
        );
      }
      insertApiToken(db, record);
      this.insertTokenRow(t);
    });
  }

  private insertTokenRow(t: PollerToken): void {
    prepared(
      this.db,
      `INSERT INTO poller_token (endpoint_id, app_id, token_id, token, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(...pollerRows.pollerTokenValues(t, this.box));
  }
}
