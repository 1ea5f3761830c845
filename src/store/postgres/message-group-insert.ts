import type { Message } from "../../core/entities.ts";
import { firstAttemptAt } from "../../core/message-schedule.ts";
import type { NewDelivery } from "../store.ts";
import { json, type Queryable } from "./sql.ts";

interface Waiting {
  message: Message;
  deliveries: NewDelivery[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Messages per statement: each is a row in thirteen parallel arrays, its deliveries rows in eight. */
const MAX_GROUP = 500;

/**
 * Many messages and their deliveries in ONE statement (one round trip, one commit), as the
 * SQLite store's group commit does for its file: the messages accepted in the same event-loop
 * turn are inserted together by `unnest` over parallel arrays. The statement is atomic, so if any
 * row fails (an eventId taken meanwhile), nothing of the group was written and each message is
 * then inserted on its own by `single`, which reports that one conflict to its own caller only.
 */
const INSERT_GROUP = `
  WITH message_rows AS (
    INSERT INTO message (id, app_id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at,
      inbound, deliver_at, traceparent, tracestate)
    SELECT m.id, m.app_id, m.event_type, m.event_id, m.payload, m.channels::jsonb, m.tags::jsonb, m.created_at,
      m.payload_expires_at, m.inbound::jsonb, m.deliver_at, m.traceparent, m.tracestate
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
      $9::bigint[], $10::text[], $18::bigint[], $20::text[], $21::text[])
      AS m(id, app_id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at, inbound,
        deliver_at, traceparent, tracestate)
  ), event_key_rows AS (
    INSERT INTO message_event_key (app_id, event_id, msg_id)
    SELECT k.app_id, k.event_id, k.id FROM unnest($1::text[], $2::text[], $4::text[]) AS k(id, app_id, event_id)
    WHERE k.event_id IS NOT NULL
  ), delivery_rows AS (
    INSERT INTO delivery (id, app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, next_trigger,
      lease_owner, lease_until, created_at, updated_at, stream_offset)
    SELECT d.id, d.app_id, d.msg_id, d.endpoint_id, CASE WHEN d.stream THEN 0 ELSE 1 END, 0,
      CASE WHEN d.stream THEN NULL ELSE d.due_at END, 0, d.lease_owner, d.lease_until, d.created_at, d.created_at,
      CASE WHEN d.stream THEN nextval('poller_offset_seq') END
    FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::bigint[],
      $19::bigint[], $22::boolean[])
      AS d(id, app_id, msg_id, endpoint_id, lease_owner, lease_until, created_at, due_at, stream)
  ) SELECT 1`;

export class MessageGroupInsert {
  /** Groups written whole, and groups that failed and were retried message by message. */
  readonly counts = { groups: 0, fallbacks: 0 };
  private queue: Waiting[] = [];
  private scheduled = false;
  private writing = false;

  constructor(
    private readonly db: Queryable,
    /** Inserts one message as its own statement (with the caller's precise error on a conflict). */
    private readonly single: (message: Message, deliveries: NewDelivery[]) => Promise<void>,
  ) {}

  insert(message: Message, deliveries: NewDelivery[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message, deliveries, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * One group in flight at a time, so groups commit in the order their messages were accepted:
   * an ordered endpoint's later message can never become visible before an earlier one of this
   * process. Messages accepted while a group is written wait and form the next, larger group.
   */
  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    this.writing = true;
    void this.write(this.queue.splice(0, MAX_GROUP)).finally(() => {
      this.writing = false;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async write(group: Waiting[]): Promise<void> {
    if (group.length === 1) {
      const [w] = group;
      await this.single(w!.message, w!.deliveries).then(w!.resolve, w!.reject);
      return;
    }
    try {
      await this.db.query(INSERT_GROUP, groupParams(group));
      this.counts.groups++;
      for (const w of group) w.resolve();
    } catch {
      this.counts.fallbacks++;
      // Nothing of the group was written: each message on its own, so only a real conflict fails.
      await Promise.all(group.map((w) => this.single(w.message, w.deliveries).then(w.resolve, w.reject)));
    }
  }
}

function groupParams(group: Waiting[]): unknown[] {
  const messages = group.map((w) => w.message);
  const deliveries = group.flatMap((w) => w.deliveries.map((d) => ({ d, m: w.message })));
  return [
    messages.map((m) => m.id),
    messages.map((m) => m.appId),
    messages.map((m) => m.eventType),
    messages.map((m) => m.eventId),
    messages.map((m) => m.payload),
    messages.map((m) => json(m.channels)),
    messages.map((m) => json(m.tags)),
    messages.map((m) => m.createdAt),
    messages.map((m) => m.payloadExpiresAt),
    messages.map((m) => json(m.inbound)),
    deliveries.map(({ d }) => d.id),
    deliveries.map(({ m }) => m.appId),
    deliveries.map(({ m }) => m.id),
    deliveries.map(({ d }) => d.endpointId),
    deliveries.map(({ d }) => d.leaseOwner),
    deliveries.map(({ d }) => d.leaseUntil),
    deliveries.map(({ m }) => m.createdAt),
    messages.map((m) => m.deliverAt ?? null),
    deliveries.map(({ m }) => firstAttemptAt(m)),
    messages.map((m) => m.traceparent ?? null),
    messages.map((m) => m.tracestate ?? null),
    deliveries.map(({ d }) => d.stream === true),
  ];
}
