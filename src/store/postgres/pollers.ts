import type pg from "pg";
import type { Sealer } from "../../core/secret-box.ts";
import type { ApiToken, PollerConsumer, PollerRepository, PollerToken, StreamEntry, StreamRead } from "../store.ts";
import { ISSUED_TOKEN_COLUMNS, issuedTokenValues } from "../rows/tokens.ts";
import * as pollerRows from "../rows/pollers.ts";
import { toMessage, type MessageRow } from "./messages.ts";
import { Params } from "./sql.ts";
import { inTransaction } from "./transaction.ts";

const INSERT_API_TOKEN = `INSERT INTO api_token (${ISSUED_TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
const INSERT_POLLER_TOKEN = `INSERT INTO poller_token (endpoint_id, app_id, token_id, token, created_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6)`;

/** Polling endpoints' streams (their settled deliveries), consumers and tokens. */
export class PostgresPollers implements PollerRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly box: Sealer,
  ) {}

  async read(appId: string, endpointId: string, q: StreamRead): Promise<StreamEntry[]> {
    // A range of each time partition's delivery_by_endpoint (endpoint_id, msg_id); partitions
    // wholly outside (after, before) are pruned, as msg_id is the partition key.
    const params = new Params();
    const where = [
      `d.endpoint_id = ${params.add(endpointId)}`,
      `d.app_id = ${params.add(appId)}`,
      `d.msg_id > ${params.add(q.after)}`,
      `d.msg_id < ${params.add(q.before)}`,
      "d.stream_offset IS NOT NULL",
    ];
    if (q.eventType !== undefined) where.push(`m.event_type = ${params.add(q.eventType)}`);
    if (q.channel !== undefined) where.push(`m.channels ? ${params.add(q.channel)}`);
    const { rows } = await this.pool.query<MessageRow & { stream_offset: number }>(
      `SELECT m.*, d.stream_offset FROM delivery d JOIN message m ON m.id = d.msg_id
       WHERE ${where.join(" AND ")} ORDER BY d.msg_id LIMIT ${params.add(q.limit)}`,
      params.values,
    );
    return rows.map((r) => ({ message: toMessage(r), offset: Number(r.stream_offset) }));
  }

  async positionOf(appId: string, endpointId: string, offset: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ msg_id: string }>(
      "SELECT msg_id FROM delivery WHERE endpoint_id = $1 AND stream_offset = $2 AND app_id = $3",
      [endpointId, offset, appId],
    );
    return rows[0]?.msg_id;
  }

  async getConsumer(appId: string, endpointId: string, consumerId: string): Promise<PollerConsumer | undefined> {
    const { rows } = await this.pool.query<pollerRows.ConsumerRow>(
      "SELECT * FROM poller_consumer WHERE endpoint_id = $1 AND consumer_id = $2 AND app_id = $3",
      [endpointId, consumerId, appId],
    );
    const row = rows[0];
    return row && pollerRows.toConsumer(row);
  }

  async putConsumer(appId: string, endpointId: string, consumerId: string, c: PollerConsumer, now: number) {
    await this.pool.query(
      `INSERT INTO poller_consumer (app_id, endpoint_id, consumer_id, position, leased_position, lease_until, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (endpoint_id, consumer_id) DO UPDATE SET position = excluded.position,
         leased_position = excluded.leased_position, lease_until = excluded.lease_until,
         updated_at = excluded.updated_at`,
      [appId, endpointId, consumerId, c.position, c.leasedPosition, c.leaseUntil, now],
    );
  }

  async commit(appId: string, endpointId: string, consumerId: string, position: string, now: number) {
    // One statement, so commits from several processes at once only ever move the position forward.
    await this.pool.query(
      `INSERT INTO poller_consumer AS c (app_id, endpoint_id, consumer_id, position, leased_position, lease_until,
         updated_at)
       VALUES ($1, $2, $3, $4, NULL, NULL, $5)
       ON CONFLICT (endpoint_id, consumer_id) DO UPDATE SET
         position = GREATEST(c.position, excluded.position),
         leased_position = CASE WHEN c.leased_position <= excluded.position THEN NULL ELSE c.leased_position END,
         lease_until = CASE WHEN c.leased_position <= excluded.position THEN NULL ELSE c.lease_until END,
         updated_at = excluded.updated_at`,
      [appId, endpointId, consumerId, position, now],
    );
  }

  async getToken(appId: string, endpointId: string): Promise<PollerToken | undefined> {
    const { rows } = await this.pool.query<pollerRows.PollerTokenRow>(
      "SELECT * FROM poller_token WHERE endpoint_id = $1 AND app_id = $2",
      [endpointId, appId],
    );
    return rows[0] && pollerRows.toPollerToken(rows[0], this.box);
  }

  async insertToken(t: PollerToken, record: ApiToken): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      // The primary key decides between two first requests (in any process): the loser inserts nothing.
      const { rowCount } = await db.query(
        INSERT_POLLER_TOKEN + " ON CONFLICT (endpoint_id) DO NOTHING",
        pollerRows.pollerTokenValues(t, this.box),
      );
      if (rowCount === 0) return false;
      await db.query(INSERT_API_TOKEN, issuedTokenValues(record));
      return true;
    });
  }

  async rotateToken(t: PollerToken, record: ApiToken, oldExpiresAt: number): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      // The DELETE locks the row: of two rotations at once, the second waits and retires the first's token.
      const { rows } = await db.query<{ token_id: string }>(
        "DELETE FROM poller_token WHERE endpoint_id = $1 AND app_id = $2 RETURNING token_id",
        [t.endpointId, t.appId],
      );
      if (rows[0]) {
        await db.query(
          "UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND (revoked_at IS NULL OR revoked_at > $1)",
          [oldExpiresAt, rows[0].token_id],
        );
      }
      await db.query(INSERT_API_TOKEN, issuedTokenValues(record));
      await db.query(INSERT_POLLER_TOKEN, pollerRows.pollerTokenValues(t, this.box));
    });
  }
}
