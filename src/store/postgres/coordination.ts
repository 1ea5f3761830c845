import pg from "pg";
import type { CoordinationRepository } from "../store.ts";
import { clientConfig } from "./connection.ts";

/** The channel new work is announced on. */
const WORK_CHANNEL = "hookline_work";

/** Between attempts to reconnect the LISTEN session after the server went away. */
const LISTEN_RETRY_MS = 1000;

/**
 * LISTEN/NOTIFY wakes idle workers in every process as soon as work is created that no local
 * worker took (an API-only process, a full worker, a resend), so end-to-end latency stays low
 * without every worker polling hard. Job claims are one statement whose WHERE lets exactly one
 * process through per interval.
 */
export class PostgresCoordination implements CoordinationRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly databaseUrl: string,
    private readonly connectTimeoutMs: number,
  ) {}

  async notifyWork(): Promise<void> {
    await this.pool.query(`SELECT pg_notify('${WORK_CHANNEL}', '')`);
  }

  async watchForWork(onWork: () => void): Promise<() => Promise<void>> {
    // A dedicated connection: LISTEN belongs to a session, and a pooled one would be handed to others.
    let client: pg.Client | null = null;
    let stopped = false;
    let retry: NodeJS.Timeout | null = null;
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
      // Bounded, so a server that drops packets does not hold up the retries for minutes.
      const c = new pg.Client(clientConfig(this.databaseUrl, "hookline-listen", this.connectTimeoutMs));
      c.on("notification", () => onWork());
      c.on("error", () => {
        void c.end().catch(() => undefined);
        // A connection that failed while connecting is retried (or, at start, reported) below.
        if (client !== c) return;
        client = null;
        reconnectLater();
        // A notification may be missed while disconnected: look for work meanwhile.
        onWork();
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${WORK_CHANNEL}`);
      } catch (error) {
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
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
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
