import type Database from "better-sqlite3";
import type { Delivery } from "../../core/entities.ts";
import type {
  ClaimedDelivery,
  DeliveryFilter,
  DeliveryOutcome,
  DeliveryRepository,
  DeliveryScanRow,
  DeliveryStats,
  KeyRange,
  LeaseRef,
  Page,
  PageRequest,
  QueueStats,
  BacklogScope,
  TimeRange,
} from "../store.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import * as deliveryRows from "../rows/deliveries.ts";
import { recordAttemptStats } from "./attempt-stats.ts";
import { insertAttempt } from "./attempts.ts";
import { messageConditions, timeConditions } from "./filters.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

const inList = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/**
 * An endpoint's deliveries in message order with each one's last response code (the bulk tasks'
 * scan). The last attempt is found through the message's index: SQLite's planner otherwise picks
 * attempt_by_endpoint (both serve ORDER BY a.id), which walks back through every attempt of the
 * endpoint for each row, so a batch cost grew with the endpoint's whole history, all of it on the
 * event loop (docs/benchmarks.md, "Backlog and recover"). Exported for the plan's test.
 */
export const SCAN_ENDPOINT_SQL = `SELECT d.id, d.msg_id, d.status, m.event_type, m.channels, m.tags,
         (SELECT a.response_status_code FROM attempt a INDEXED BY attempt_by_msg
          WHERE a.msg_id = d.msg_id AND a.endpoint_id = d.endpoint_id
          ORDER BY a.id DESC LIMIT 1) AS last_status_code
       FROM delivery d JOIN message m ON m.id = d.msg_id
       WHERE d.endpoint_id = ? AND d.app_id = ? AND d.msg_id > ? AND d.msg_id < ?
       ORDER BY d.msg_id LIMIT ?`;

/** One table here: a delivery's id finds it. */
const leaseIds = (leases: LeaseRef[]) => leases.map((l) => l.id);

export class SqliteDeliveries implements DeliveryRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async claimDue(
    owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
    skipEndpoints: string[],
  ): Promise<ClaimedDelivery[]> {
    const rows = await this.writer.run(
      () =>
        prepared(
          this.db,
          `UPDATE delivery SET lease_owner = ?, lease_until = ?
           WHERE id IN (SELECT id FROM delivery
                        WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?
                          AND (lease_until IS NULL OR lease_until <= ?)
                          AND endpoint_id NOT IN (SELECT value FROM json_each(?))
                        ORDER BY next_attempt_at LIMIT ?)
           RETURNING *`,
        ).all(owner, leaseUntil, now, now, JSON.stringify(skipEndpoints), limit) as deliveryRows.DeliveryRow[],
    );
    return rows.map((r) => ({ ...deliveryRows.toDelivery(r), leaseUntil }));
  }

  async complete(owner: string, outcomes: DeliveryOutcome[], now: number): Promise<void> {
    if (outcomes.length === 0) return;
    const db = this.db;
    await this.writer.run(() => {
      const update = prepared(
        db,
        `UPDATE delivery SET status = ?, next_attempt_at = ?, next_trigger = 0, attempt_count = attempt_count + 1,
           lease_owner = NULL, lease_until = NULL, updated_at = ?
         WHERE id = ? AND lease_owner = ?`,
      );
      const health = prepared(db, "UPDATE endpoint SET failing_since = ? WHERE id = ? AND failing_since IS NOT ?");
      const disable = prepared(db, "UPDATE endpoint SET disabled = 1, updated_at = ? WHERE id = ?");
      for (const o of outcomes) {
        insertAttempt(db, o.attempt);
        update.run(o.status, o.nextAttemptAt, now, o.deliveryId, owner);
        health.run(o.endpointFailingSince, o.attempt.endpointId, o.endpointFailingSince);
        if (o.disableEndpoint) disable.run(now, o.attempt.endpointId);
      }
      recordAttemptStats(
        db,
        outcomes.map((o) => o.attempt),
      );
    });
  }

  async renewLeases(owner: string, leases: LeaseRef[], leaseUntil: number): Promise<void> {
    await this.forChunks(leaseIds(leases), (chunk) =>
      prepared(
        this.db,
        `UPDATE delivery SET lease_until = ? WHERE lease_owner = ? AND id IN (${inList(chunk.length)})`,
      ).run(leaseUntil, owner, ...chunk),
    );
  }

  async releaseLeases(owner: string, leases: LeaseRef[]): Promise<void> {
    await this.forChunks(leaseIds(leases), (chunk) =>
      prepared(
        this.db,
        `UPDATE delivery SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND id IN (${inList(chunk.length)})`,
      ).run(owner, ...chunk),
    );
  }

  /** SQLite caps bound parameters at 32,766; 500 ids a statement stays far below and keeps a few shapes cached. */
  private async forChunks(ids: string[], run: (chunk: string[]) => unknown): Promise<void> {
    if (ids.length === 0) return;
    await this.writer.run(() => {
      for (let i = 0; i < ids.length; i += 500) run(ids.slice(i, i + 500));
    });
  }

  async get(appId: string, msgId: string, endpointId: string): Promise<Delivery | undefined> {
    const row = prepared(this.db, "SELECT * FROM delivery WHERE app_id = ? AND msg_id = ? AND endpoint_id = ?").get(
      appId,
      msgId,
      endpointId,
    ) as deliveryRows.DeliveryRow | undefined;
    return row && deliveryRows.toDelivery(row);
  }

  async resend(appId: string, msgId: string, endpointId: string, newDeliveryId: string, now: number): Promise<void> {
    const db = this.db;
    await this.writer.run(() => {
      const changed = prepared(
        db,
        `UPDATE delivery SET next_attempt_at = ?, next_trigger = 1, status = CASE WHEN status = 0 THEN 1 ELSE status END,
           updated_at = ? WHERE app_id = ? AND msg_id = ? AND endpoint_id = ?`,
      ).run(now, now, appId, msgId, endpointId).changes;
      if (changed === 0) {
        prepared(
          db,
          `INSERT INTO delivery (id, app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, next_trigger,
             created_at, updated_at) VALUES (?, ?, ?, ?, 1, 0, ?, 1, ?, ?)`,
        ).run(newDeliveryId, appId, msgId, endpointId, now, now, now);
      }
    });
  }

  async scanEndpoint(appId: string, endpointId: string, range: KeyRange, limit: number): Promise<DeliveryScanRow[]> {
    const rows = prepared(this.db, SCAN_ENDPOINT_SQL).all(
      endpointId,
      appId,
      range.after,
      range.before,
      limit,
    ) as deliveryRows.DeliveryScanColumns[];
    return rows.map((r) => deliveryRows.toDeliveryScanRow(r, SQLITE_COLUMNS));
  }

  /** Counted in the index delivery_due_by_endpoint: at most `cap` index entries are read. */
  async countDue(endpointId: string, now: number, cap: number): Promise<number> {
    return prepared(
      this.db,
      `SELECT COUNT(*) FROM (SELECT 1 FROM delivery
         WHERE endpoint_id = ? AND next_attempt_at IS NOT NULL AND next_attempt_at <= ? LIMIT ?)`,
    )
      .pluck()
      .get(endpointId, now, cap) as number;
  }

  async rearm(appId: string, endpointId: string, deliveries: LeaseRef[], now: number): Promise<number> {
    let changed = 0;
    await this.forChunks(leaseIds(deliveries), (chunk) => {
      changed += prepared(
        this.db,
        `UPDATE delivery SET next_attempt_at = ?, next_trigger = 1, status = CASE WHEN status IN (0, 2) THEN 1 ELSE status END,
           updated_at = ? WHERE app_id = ? AND endpoint_id = ? AND id IN (${inList(chunk.length)})`,
      ).run(now, now, appId, endpointId, ...chunk).changes;
    });
    return changed;
  }

  /** One writer here, so "not exists, then insert" cannot race another insert of the same pair. */
  async insertManual(appId: string, endpointId: string, deliveries: LeaseRef[], now: number): Promise<number> {
    if (deliveries.length === 0) return 0;
    return this.writer.run(() => {
      const insert = prepared(
        this.db,
        `INSERT INTO delivery (id, app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, next_trigger,
           created_at, updated_at)
         SELECT ?, ?, ?, ?, 1, 0, ?, 1, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM delivery WHERE msg_id = ? AND endpoint_id = ?)`,
      );
      let created = 0;
      for (const d of deliveries)
        created += insert.run(d.id, appId, d.msgId, endpointId, now, now, now, d.msgId, endpointId).changes;
      return created;
    });
  }

  async recover(appId: string, endpointId: string, since: number, until: number, now: number): Promise<number> {
    return this.writer.run(
      () =>
        prepared(
          this.db,
          `UPDATE delivery SET next_attempt_at = ?, next_trigger = 1, status = 1, updated_at = ?
           WHERE app_id = ? AND endpoint_id = ? AND status = 2 AND created_at >= ? AND created_at < ?`,
        ).run(now, now, appId, endpointId, since, until).changes,
    );
  }

  async retryNow(appId: string, endpointId: string, now: number): Promise<number> {
    return this.writer.run(
      () =>
        prepared(
          this.db,
          `UPDATE delivery SET next_attempt_at = ?, updated_at = ?
           WHERE app_id = ? AND endpoint_id = ? AND status IN (1, 3) AND attempt_count > 0 AND next_attempt_at > ?
             AND (lease_owner IS NULL OR lease_until < ?)`,
        ).run(now, now, appId, endpointId, now, now).changes,
    );
  }

  async listByMessage(appId: string, msgId: string, page: PageRequest): Promise<Page<Delivery>> {
    return paginate<deliveryRows.DeliveryRow, Delivery>(
      this.db,
      { from: "delivery", where: ["app_id = ?", "msg_id = ?"], params: [appId, msgId], key: "endpoint_id" },
      page,
      deliveryRows.toDelivery,
      (r) => r.endpoint_id,
    );
  }

  async listByEndpoint(
    appId: string,
    endpointId: string,
    filter: DeliveryFilter,
    page: PageRequest,
  ): Promise<Page<Delivery>> {
    const m = messageConditions(filter, "m");
    const t = timeConditions(filter, "d.created_at");
    const where = ["d.app_id = ?", "d.endpoint_id = ?", ...m.where, ...t.where];
    const params: unknown[] = [appId, endpointId, ...m.params, ...t.params];
    if (filter.status !== undefined) {
      where.push("d.status = ?");
      params.push(filter.status);
    }
    return paginate<deliveryRows.DeliveryRow, Delivery>(
      this.db,
      { select: "d.*", from: "delivery d JOIN message m ON m.id = d.msg_id", where, params, key: "d.msg_id" },
      page,
      deliveryRows.toDelivery,
      (r) => r.msg_id,
    );
  }

  async stats(appId: string, endpointId: string, range: TimeRange): Promise<DeliveryStats> {
    const t = timeConditions(range, "created_at");
    const rows = prepared(
      this.db,
      `SELECT status, COUNT(*) AS n FROM delivery WHERE app_id = ? AND endpoint_id = ?
       ${t.where.map((w) => "AND " + w).join(" ")} GROUP BY status`,
    ).all(appId, endpointId, ...t.params) as { status: number; n: number }[];
    return deliveryRows.toDeliveryStats(rows);
  }

  async oldestUnsettled(appId: string, endpointId: string): Promise<Delivery | undefined> {
    const row = prepared(
      this.db,
      `SELECT * FROM delivery WHERE endpoint_id = ? AND app_id = ? AND next_attempt_at IS NOT NULL
       ORDER BY msg_id LIMIT 1`,
    ).get(endpointId, appId) as deliveryRows.DeliveryRow | undefined;
    return row && deliveryRows.toDelivery(row);
  }

  async park(owner: string, id: string, at: number): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        "UPDATE delivery SET next_attempt_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
      ).run(at, id, owner),
    );
  }

  async promoteNext(appId: string, endpointId: string, now: number): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `UPDATE delivery SET next_attempt_at = ? WHERE id = (
           SELECT id FROM delivery WHERE endpoint_id = ? AND app_id = ? AND next_attempt_at IS NOT NULL
           ORDER BY msg_id LIMIT 1) AND next_attempt_at > ?
           AND NOT EXISTS (SELECT 1 FROM message m WHERE m.id = delivery.msg_id AND m.deliver_at > ?)`,
      ).run(now, endpointId, appId, now, now),
    );
  }

  async countPending(): Promise<number> {
    return prepared(this.db, "SELECT COUNT(*) FROM delivery WHERE next_attempt_at IS NOT NULL").pluck().get() as number;
  }

  async queueStats(now: number, scope?: BacklogScope): Promise<QueueStats> {
    // Covered by the partial index delivery_due (next_attempt_at WHERE next_attempt_at IS NOT NULL),
    // or for an endpoint by delivery_unsettled_by_endpoint.
    const where = scope ? (scope.endpointId ? " AND app_id = ? AND endpoint_id = ?" : " AND app_id = ?") : "";
    const params = scope ? (scope.endpointId ? [scope.appId, scope.endpointId] : [scope.appId]) : [];
    const row = prepared(
      this.db,
      `SELECT COUNT(*) AS total, COALESCE(SUM(next_attempt_at <= ?), 0) AS due, MIN(next_attempt_at) AS oldest
       FROM delivery WHERE next_attempt_at IS NOT NULL${where}`,
    ).get(now, ...params) as { total: number; due: number; oldest: number | null };
    return { due: row.due, scheduled: row.total - row.due, oldestDueAt: row.oldest };
  }
}
