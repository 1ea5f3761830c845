import pg from "pg";
import type { CoordinationRepository } from "../store.ts";

/** The channel new work is announced on. */
const WORK_CHANNEL = "hookline_work";

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
  ) {}

  async notifyWork(): Promise<void> {
    await this.pool.query(`SELECT pg_notify('${WORK_CHANNEL}', '')`);
  }

  async watchForWork(onWork: () => void): Promise<() => Promise<void>> {
    // A dedicated connection: LISTEN belongs to a session, and a pooled one would be handed to others.
    let client: pg.Client | null = null;
    let stopped = false;
    let retry: NodeJS.Timeout | null = null;
    const connect = async () => {
      const c = new pg.Client({ connectionString: this.databaseUrl, application_name: "hookline-listen" });
      c.on("notification", () => onWork());
      c.on("error", () => {
        // The server went away: reconnect in a second, and look for work meanwhile (a
        // notification may have been missed while disconnected).
        void c.end().catch(() => undefined);
        if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), 1000);
        onWork();
      });
      await c.connect();
      await c.query(`LISTEN ${WORK_CHANNEL}`);
      client = c;
    };
    await connect();
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
