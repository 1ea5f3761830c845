import pg from "pg";
import type { CoordinationRepository } from "../store.ts";
import type { DatabaseConnector } from "./connection.ts";

/** The channel new work is announced on. */
const WORK_CHANNEL = "hookline_work";

/** Between attempts to reconnect the LISTEN session after the server went away. */
const LISTEN_RETRY_MS = 1000;

/**
 * The LISTEN session only ever receives, so nothing would tell it that its server went silent (a
 * partition, a failover that left the old address dropping packets): it would wait for
 * notifications that never come, and workers would fall back to their 1 s poll for good. A query
 * this often, bounded by the query timeout, finds out within interval + timeout (40 s with the
 * defaults) and reconnects, to the promoted server if there was a failover. One round trip per
 * process every 10 s costs nothing measurable.
 */
const LISTEN_HEARTBEAT_MS = 10_000;

/**
 * LISTEN/NOTIFY wakes idle workers in every process as soon as work is created that no local
 * worker took (an API-only process, a full worker, a resend), so end-to-end latency stays low
 * without every worker polling hard. Job claims are one statement whose WHERE lets exactly one
 * process through per interval.
 */
export class PostgresCoordination implements CoordinationRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly connector: DatabaseConnector,
  ) {}

  async notifyWork(): Promise<void> {
    await this.pool.query(`SELECT pg_notify('${WORK_CHANNEL}', '')`);
  }

  async watchForWork(onWork: () => void): Promise<() => Promise<void>> {
    // A dedicated connection: LISTEN belongs to a session, and a pooled one would be handed to others.
    let client: pg.Client | null = null;
    let stopped = false;
    let retry: NodeJS.Timeout | null = null;
    const heartbeat = setInterval(() => {
      // A failed heartbeat also ends the connection with an 'error', which reconnects.
      void client?.query("SELECT 1").catch(() => undefined);
    }, LISTEN_HEARTBEAT_MS);
    heartbeat.unref();
    // The server went away (a restart, a failover): try again every second for as long as it
    // takes. A single retry left the process without wake-ups for good when the server was away
    // longer than that, and every message from another process waited for the 1 s poll.
    const reconnectLater = () => {
      if (stopped || retry) return;
      retry = setTimeout(() => {
        retry = null;
        void connect(false);
      }, LISTEN_RETRY_MS);
    };
    const connect = async (first: boolean): Promise<void> => {
      // Bounded, so a server that drops packets does not hold up the retries for minutes; on the
      // server that takes writes (NOTIFY is sent there), which after a failover is the promoted one.
      let c: pg.Client;
      try {
        c = await this.connector.connect("hookline-listen");
      } catch (error) {
        if (first) throw error;
        reconnectLater();
        return;
      }
      c.on("notification", () => onWork());
      let lost = false;
      const onLost = () => {
        if (lost) return;
        lost = true;
        void c.end().catch(() => undefined);
        if (client !== c) return;
        client = null;
        reconnectLater();
        // A notification may be missed while disconnected: look for work meanwhile.
        onWork();
      };
      c.on("error", onLost);
      c.on("end", onLost);
      try {
        await c.query(`LISTEN ${WORK_CHANNEL}`);
      } catch (error) {
        lost = true;
        void c.end().catch(() => undefined);
        if (first) throw error;
        reconnectLater();
        return;
      }
      if (stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      // Work announced while the connection was down was announced to nobody.
      if (!first) onWork();
    };
    await connect(true);
    return async () => {
      stopped = true;
      clearInterval(heartbeat);
      if (retry) clearTimeout(retry);
      const last = client;
      client = null;
      await last?.end().catch(() => undefined);
    };
  }

  async claimJob(name: string, intervalMs: number, now: number): Promise<boolean> {
    // The UPDATE sees the table as it was before the INSERT, so the call that adds the row
    // (first sight of the job: schedule it, do not run it) updates nothing; a concurrent first
    // sight waits for that insert, does nothing, and its UPDATE does not see the row either.
    const result = await this.pool.query(
      `WITH first AS (
         INSERT INTO job_schedule (name, last_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING name)
       UPDATE job_schedule SET last_run_at = $2
       WHERE name = $1 AND last_run_at <= $3 AND NOT EXISTS (SELECT 1 FROM first)
       RETURNING name`,
      [name, now, now - intervalMs],
    );
    return result.rowCount === 1;
  }
}
