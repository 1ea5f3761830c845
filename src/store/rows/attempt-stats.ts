import { DURATION_BOUNDS_MS, END_TO_END_BOUNDS_MS, OUTCOME_CLASSES, sampleOf } from "../../core/attempt-stats.ts";
import type { Attempt } from "../../core/entities.ts";
import type { AttemptStatsBucket, EndpointAttemptTotals } from "../store.ts";

/**
 * The pre-aggregated stats rows (migrations `*_attempt_stats.sql`): one row per (application,
 * endpoint, minute) with a count per outcome class and two latency histograms. Each minute is
 * also rolled up in the same write into the application's row (endpoint_id '') and the
 * instance's row (app_id '' and endpoint_id ''), so any chart reads one row per minute whatever
 * the number of endpoints (docs/operations.md, "Stats storage").
 */
export const STATS_BUCKET_MS = 60_000;
/** The key of a whole application's rows (endpoint_id) and of the instance's rows (both). */
export const ALL = "";

const pad = (i: number) => String(i).padStart(2, "0");
export const OUTCOME_COLUMNS = [
  "success",
  "http_4xx",
  "http_5xx",
  "timeout",
  "network",
  "ssrf_blocked",
  "other_error",
  "canceled",
] as const;
export const DURATION_COLUMNS = Array.from({ length: DURATION_BOUNDS_MS.length + 1 }, (_, i) => `dur_${pad(i)}`);
export const END_TO_END_COLUMNS = Array.from({ length: END_TO_END_BOUNDS_MS.length + 1 }, (_, i) => `e2e_${pad(i)}`);
/** Every summed column, in the order of StatsCells.cells. */
export const SUM_COLUMNS = [...OUTCOME_COLUMNS, ...DURATION_COLUMNS, ...END_TO_END_COLUMNS];
export const MAX_COLUMNS = ["dur_max", "e2e_max"] as const;

/** The columns a stats row is written with: its key, then SUM_COLUMNS, then MAX_COLUMNS. */
export const STATS_COLUMNS = ["app_id", "endpoint_id", "bucket_start", ...SUM_COLUMNS, ...MAX_COLUMNS];
/** A row's attempts, canceled ones included: the sum of its outcome counts (SQL). */
export const OUTCOME_TOTAL = OUTCOME_COLUMNS.join(" + ");

/** What one row (or a sum of rows) holds: `cells` in SUM_COLUMNS order, then the two maxima. */
export interface StatsCells {
  cells: number[];
  durMax: number;
  e2eMax: number;
}

export interface StatsRow extends StatsCells {
  appId: string;
  endpointId: string;
  bucketStart: number;
}

const DURATION_OFFSET = OUTCOME_COLUMNS.length;
const END_TO_END_OFFSET = DURATION_OFFSET + DURATION_COLUMNS.length;

/**
 * The rows a batch of attempts adds to (three per endpoint and minute, see above), sorted by key
 * so concurrent writers lock shared rows in the same order.
 */
export function statsRowsOf(attempts: readonly Attempt[]): StatsRow[] {
  const rows = new Map<string, StatsRow>();
  const add = (appId: string, endpointId: string, bucketStart: number) => {
    const key = `${appId}\u0000${endpointId}\u0000${bucketStart}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        appId,
        endpointId,
        bucketStart,
        cells: new Array<number>(SUM_COLUMNS.length).fill(0),
        durMax: 0,
        e2eMax: 0,
      };
      rows.set(key, row);
    }
    return row;
  };
  for (const a of attempts) {
    const s = sampleOf(a);
    const bucket = a.createdAt - (a.createdAt % STATS_BUCKET_MS);
    for (const row of [add(a.appId, a.endpointId, bucket), add(a.appId, ALL, bucket), add(ALL, ALL, bucket)]) {
      row.cells[OUTCOME_CLASSES.indexOf(s.outcome)]! += 1;
      if (s.durationBin !== null) {
        row.cells[DURATION_OFFSET + s.durationBin]! += 1;
        row.durMax = Math.max(row.durMax, s.durationMs!);
      }
      if (s.endToEndBin !== null) {
        row.cells[END_TO_END_OFFSET + s.endToEndBin]! += 1;
        row.e2eMax = Math.max(row.e2eMax, s.endToEndMs!);
      }
    }
  }
  return [...rows.values()].sort((x, y) => compareRows(x, y));
}

const compareRows = (x: StatsRow, y: StatsRow) =>
  x.appId < y.appId
    ? -1
    : x.appId > y.appId
      ? 1
      : x.endpointId < y.endpointId
        ? -1
        : x.endpointId > y.endpointId
          ? 1
          : x.bucketStart - y.bucketStart;

/** Splits summed cells into their parts. */
export function partsOf(c: StatsCells) {
  return {
    outcomes: Object.fromEntries(OUTCOME_CLASSES.map((k, i) => [k, c.cells[i]!])) as Record<
      (typeof OUTCOME_CLASSES)[number],
      number
    >,
    durationBins: c.cells.slice(DURATION_OFFSET, END_TO_END_OFFSET),
    endToEndBins: c.cells.slice(END_TO_END_OFFSET),
  };
}

/** A stats row's values in STATS_COLUMNS order. */
export const statsRowValues = (r: StatsRow): (string | number)[] => [
  r.appId,
  r.endpointId,
  r.bucketStart,
  ...r.cells,
  r.durMax,
  r.e2eMax,
];

/**
 * A series row read as an array: the bucket, the SUM_COLUMNS sums, then the two maxima. Numbers
 * from SQLite; PostgreSQL's bigint sums arrive as numbers or text, so each is read with Number.
 */
export function toStatsBucket(row: unknown[]): AttemptStatsBucket {
  const n = row.map(Number);
  return {
    bucketStart: n[0]!,
    cells: n.slice(1, 1 + SUM_COLUMNS.length),
    durMax: n[1 + SUM_COLUMNS.length]!,
    e2eMax: n[2 + SUM_COLUMNS.length]!,
  };
}

/** A row of the per-endpoint totals (`SELECT app_id, endpoint_id, SUM(…) AS total, …`). */
export interface EndpointTotalsRow {
  app_id: string;
  endpoint_id: string;
  total: number | string;
  success: number | string;
  canceled: number | string;
}

export const toEndpointTotals = (r: EndpointTotalsRow): EndpointAttemptTotals => ({
  appId: r.app_id,
  endpointId: r.endpoint_id,
  total: Number(r.total),
  success: Number(r.success),
  canceled: Number(r.canceled),
});
