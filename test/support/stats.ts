/**
 * Figures for the benchmarks and the fault scenarios: clocks, percentiles, summaries.
 */

/** Monotonic microseconds, comparable across processes on one Linux machine (CLOCK_MONOTONIC). */
export function monoUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Milliseconds to add to a monotonic time (in ms) to get wall-clock ms: the server logs and the
 * job schedule use Date.now(); the latencies use the monotonic clock. The smallest of a few
 * samples' spreads is taken, so a GC pause between the two reads does not skew it.
 */
export function wallMinusMonoMs(): number {
  let best = { spread: Infinity, offset: 0 };
  for (let i = 0; i < 20; i++) {
    const a = monoUs();
    const wall = Date.now();
    const b = monoUs();
    if (b - a < best.spread) best = { spread: b - a, offset: wall - (a + b) / 2000 };
  }
  return best.offset;
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentile (0-100) of an ascending array. */
function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Nearest-rank percentile (0-100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  return percentileOfSorted(Float64Array.from(values).sort(), p);
}

export const median = (values: number[]): number => percentile(values, 50);

/** `n` rounded to `digits` decimals (one by default: the benchmarks' tables). */
export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Summary of values in microseconds, reported in milliseconds with 3 decimals. */
export function summarize(valuesUs: number[]): Summary {
  const arr = Array.from(Float64Array.from(valuesUs).sort());
  const ms = (us: number) => Math.round(us) / 1000;
  const sum = arr.reduce((a, b) => a + b, 0);
  return {
    count: arr.length,
    mean: arr.length ? ms(sum / arr.length) : NaN,
    p50: ms(percentileOfSorted(arr, 50)),
    p90: ms(percentileOfSorted(arr, 90)),
    p95: ms(percentileOfSorted(arr, 95)),
    p99: ms(percentileOfSorted(arr, 99)),
    p999: ms(percentileOfSorted(arr, 99.9)),
    max: arr.length ? ms(arr[arr.length - 1]!) : NaN,
  };
}
