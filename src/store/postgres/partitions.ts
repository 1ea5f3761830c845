import type pg from "pg";
import { idFloorAt, idTimeMs } from "../../core/ids.ts";
import type { WholesalePacing } from "../../retention/retention-strategy.ts";
import { isDatabaseError, type Queryable } from "./sql.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The partitioned history tables (0008_partitioned_history.sql), in the order a window's
 * partitions are dropped: a message's attempts and deliveries go before it, so a failure half-way
 * never leaves them behind without it.
 */
const HISTORY_TABLES = ["attempt", "delivery", "message"] as const;

/** Serialises partition creation across processes (the migration lock's key + 1, see migrate.ts). */
const PARTITION_LOCK_KEY = "7525749416441425510";

const CHECK_VIOLATION = "23514";
const UNDEFINED_TABLE = "42P01";

/** The suffix of the partitions that hold the tables from before partitioning (0008_partitioned_history.sql). */
const LEGACY = "legacy";

/**
 * How long a window each partition covers, from the retention period: an eighth of it, so data
 * is dropped at most 12.5% later than it expires, within 6 hours and 7 days. Fewer, wider
 * partitions keep queries that cannot be narrowed to one (a claim of due deliveries, a list by
 * application) cheap to plan and lock: 90 days of retention make ~13 partitions per table, and
 * PostgreSQL plans and locks every partition such a query may touch.
 */
export function partitionWidthMs(retentionDays: number): number {
  const hours = Math.floor((retentionDays * 24) / 8);
  return Math.min(Math.max(hours, 6), 7 * 24) * HOUR;
}

/**
 * The pause between two windows' drops. Each drop is seven commits (two per DETACH …
 * CONCURRENTLY, one DROP) and makes every connection rebuild its view of the three tables; a
 * backlog of windows dropped back to back (the first pass over months of history, or a shortened
 * retention period) bunched those into one burst that slowed the API's commits: delivery p99
 * during a 1-s pass over 32 windows was 3.6–16× the baseline. Normally one window expires at a
 * time and this never applies.
 */
const WINDOW_DROP_GAP_MS = 1000;

/** Below this estimate a partition's rows are counted exactly: 100,000 rows of 300 bytes counted in 12–20 ms. */
const EXACT_COUNT_BELOW = 100_000;

/** Partitions exist this far ahead of the clock (at least two windows), created by each retention pass and at start. */
const aheadMs = (widthMs: number) => Math.max(2 * widthMs, 3 * DAY);

/** One time window of the history: `message_<suffix>`, `delivery_<suffix>` and `attempt_<suffix>`. */
export interface HistoryPartition {
  suffix: string;
  /** Messages created from this time (inclusive; 0 for the legacy partition, which starts at MINVALUE)… */
  fromMs: number;
  /** …to this time (exclusive). */
  toMs: number;
}

export interface PartitionDrop {
  /** Messages and attempts in the dropped partitions (PostgreSQL's estimate once it has analyzed a partition). */
  removed: number;
  /**
   * Rows created before this time are in partitions that have expired as a whole; the pass may
   * delete those that are still there (a partition with a retry due is not dropped) one by one.
   * Later rows wait for their partition to expire.
   */
  rowCutoff: number;
}

/**
 * Creates the history's time partitions ahead of the clock and drops them once expired.
 *
 * Creation uses CREATE TABLE + ATTACH PARTITION, which locks the parent only against other
 * attaches (SHARE UPDATE EXCLUSIVE); CREATE TABLE … PARTITION OF would take ACCESS EXCLUSIVE and
 * stall every query on the table meanwhile. Dropping uses DETACH PARTITION CONCURRENTLY for the
 * same reason: a plain DETACH or DROP of a partition locks the whole parent.
 */
export class HistoryPartitions {
  constructor(
    private readonly pool: pg.Pool,
    readonly widthMs: number,
  ) {}

  /** The windows that exist, oldest first (from message's partitions; the other two tables match). */
  async list(db: Queryable = this.pool): Promise<HistoryPartition[]> {
    const { rows } = await db.query<{ name: string; bound: string }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'message'::regclass`,
    );
    return rows.map((r) => parsePartition(r.name, r.bound)).sort((a, b) => a.fromMs - b.fromMs);
  }

  /** Creates the partitions for the windows from `fromMs` to `toMs` that no partition covers yet; returns how many. */
  async ensureCovering(fromMs: number, toMs: number): Promise<number> {
    // Every pass asks, and nearly always everything exists: one catalog read, no transaction or lock.
    if (uncovered(await this.list(), fromMs, toMs, this.widthMs).length === 0) return 0;
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [PARTITION_LOCK_KEY]);
      const missing = uncovered(await this.list(client), fromMs, toMs, this.widthMs);
      for (const window of missing) {
        for (const table of HISTORY_TABLES) await createPartition(client, table, window);
      }
      await client.query("COMMIT");
      return missing.length;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Makes sure partitions exist from one window before `now` to `aheadMs` after it. */
  ensureAhead(now: number): Promise<number> {
    return this.ensureCovering(now - this.widthMs, now + aheadMs(this.widthMs));
  }

  /**
   * Drops every window that ended before `cutoff` and has no delivery with a retry still due
   * (those windows' expired rows are left to the row-by-row steps, which keep the messages whose
   * retries are due), waiting for `pacing.before` before each window and pausing after each one
   * that held rows.
   */
  async dropExpired(cutoff: number, pacing?: WholesalePacing): Promise<PartitionDrop> {
    let removed = 0;
    let rowCutoff = 0;
    let pauseFirst = false;
    for (const window of await this.list()) {
      if (window.toMs > cutoff) {
        // The rows from before partitioning share one window that ends when the migration ran:
        // they are deleted one by one as they expire, as before, not all together a period later.
        if (window.suffix === LEGACY) rowCutoff = cutoff;
        break;
      }
      rowCutoff = window.toMs;
      try {
        if (await this.hasDueDelivery(window)) continue;
        if (pauseFirst) await pacing?.pause(WINDOW_DROP_GAP_MS);
        await pacing?.before?.();
        const rows =
          (await this.estimateRows(`message_${window.suffix}`)) + (await this.estimateRows(`attempt_${window.suffix}`));
        removed += rows;
        // An empty window (made ahead of a clock that then moved on past it) costs little to drop.
        pauseFirst = rows > 0;
        for (const table of HISTORY_TABLES) await this.detach(table, `${table}_${window.suffix}`);
        await this.pool.query(
          `DROP TABLE IF EXISTS ${HISTORY_TABLES.map((t) => quote(`${t}_${window.suffix}`)).join(", ")}`,
        );
      } catch (error) {
        // Another pass (a process whose pass overran the interval, or an operator's) dropped this
        // window between our listing and our statements: it is gone, which is what we wanted.
        if (!isDatabaseError(error, UNDEFINED_TABLE)) throw error;
      }
    }
    return { removed, rowCutoff };
  }

  private async hasDueDelivery(window: HistoryPartition): Promise<boolean> {
    const { rows } = await this.pool.query<{ due: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quote(`delivery_${window.suffix}`)} WHERE next_attempt_at IS NOT NULL) AS due`,
    );
    return rows[0]!.due;
  }

  /**
   * PostgreSQL's row estimate for a large partition: counting one would read all of it, pushing
   * live pages out of the cache just before it is dropped. The estimate is only as fresh as the
   * last (auto)ANALYZE, which may have run halfway through the window's inserts (a window's 5,000
   * messages and attempts were once estimated as 3,559), so a partition estimated below
   * EXACT_COUNT_BELOW rows, or never analyzed (-1), is counted: a few milliseconds.
   */
  private async estimateRows(table: string): Promise<number> {
    const { rows } = await this.pool.query<{ estimate: number }>(
      "SELECT reltuples::float8 AS estimate FROM pg_class WHERE oid = to_regclass($1)",
      [table],
    );
    const estimate = rows[0]?.estimate ?? 0;
    if (estimate >= EXACT_COUNT_BELOW) return Math.round(estimate);
    const counted = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quote(table)}`);
    return counted.rows[0]!.n;
  }

  /**
   * DETACH … CONCURRENTLY runs in two transactions; if the process dies between them the partition
   * is left "detach pending", which FINALIZE completes. A partition already detached (a pass
   * stopped before its DROP) is left for the DROP.
   */
  private async detach(parent: string, child: string): Promise<void> {
    const { rows } = await this.pool.query<{ pending: boolean }>(
      `SELECT i.inhdetachpending AS pending FROM pg_inherits i
       WHERE i.inhparent = $1::regclass AND i.inhrelid = to_regclass($2)`,
      [parent, child],
    );
    if (!rows[0]) return;
    const mode = rows[0].pending ? "FINALIZE" : "CONCURRENTLY";
    await this.pool.query(`ALTER TABLE ${parent} DETACH PARTITION ${quote(child)} ${mode}`);
  }
}

/** True for an insert of a row whose id no partition covers (PostgreSQL's check_violation). */
const isMissingPartition = (error: unknown): boolean =>
  isDatabaseError(error, CHECK_VIOLATION) && error.message.startsWith("no partition of relation");

/**
 * Runs an insert of rows created at `createdAt`; if no partition covers them (the clock passed the
 * partitions made ahead, or the rows are from another time: an injected clock, an import),
 * creates that window's partitions and runs it once more.
 */
export async function withPartitionFor<T>(
  partitions: HistoryPartitions,
  createdAt: number,
  insert: () => Promise<T>,
): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (!isMissingPartition(error)) throw error;
    await partitions.ensureCovering(createdAt, createdAt + 1);
    return insert();
  }
}

async function createPartition(db: Queryable, table: string, window: HistoryPartition): Promise<void> {
  const name = quote(`${table}_${window.suffix}`);
  const prefix = "msg"; // all three tables are partitioned by the message id
  // A leftover of a pass that detached this window but stopped before dropping it.
  await db.query(`DROP TABLE IF EXISTS ${name}`);
  const storage = table === "delivery" ? " WITH (fillfactor = 80)" : "";
  await db.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)${storage}`);
  await db.query(
    `ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${idFloorAt(prefix, window.fromMs)}') TO ('${idFloorAt(prefix, window.toMs)}')`,
  );
}

/**
 * The windows to create so that [fromMs, toMs) is covered: the epoch-aligned grid of `widthMs`,
 * cut where existing partitions (perhaps of another width, from an earlier retention setting)
 * already cover part of a cell.
 */
export function uncovered(existing: HistoryPartition[], fromMs: number, toMs: number, widthMs: number) {
  const out: HistoryPartition[] = [];
  for (let cell = Math.floor(fromMs / widthMs) * widthMs; cell < toMs; cell += widthMs) {
    let start = cell;
    const end = cell + widthMs;
    for (const p of existing) {
      if (p.toMs <= start || p.fromMs >= end) continue;
      if (p.fromMs > start) out.push(window(start, p.fromMs));
      start = Math.max(start, p.toMs);
    }
    if (start < end) out.push(window(start, end));
  }
  return out;
}

function window(fromMs: number, toMs: number): HistoryPartition {
  // p20260301t0600: the window's start, UTC, to the minute (grid cells start on whole hours; a
  // window cut short by the legacy partition's end may not, but starts after it, in another minute).
  const stamp = new Date(fromMs).toISOString();
  const suffix = `p${stamp.slice(0, 10).replaceAll("-", "")}t${stamp.slice(11, 13)}${stamp.slice(14, 16)}`;
  return { suffix, fromMs, toMs };
}

const BOUND = /FROM \((MINVALUE|'[^']*')\) TO \((MAXVALUE|'[^']*')\)/;

function parsePartition(name: string, bound: string): HistoryPartition {
  const match = BOUND.exec(bound);
  if (!match) throw new Error(`unexpected bound for partition ${name}: ${bound}`);
  const time = (literal: string, open: number) => (literal.startsWith("'") ? idTimeMs(literal.slice(1, -1)) : open);
  return {
    suffix: name.slice("message_".length),
    fromMs: time(match[1]!, 0),
    toMs: time(match[2]!, Number.MAX_SAFE_INTEGER),
  };
}

/** Our partition names are [a-z0-9_] only; quoting still keeps them from ever being read as SQL. */
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
