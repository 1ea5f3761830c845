/**
 * One line of a background task's progress (docs/cli.md, "Background tasks"): a bar when the total
 * is known, done/total, the rate so far and the time left at that rate. Pure, so the CLI can redraw
 * it with `\r` on a terminal and print it as a plain line elsewhere.
 */
export interface ProgressState {
  done: number;
  /** What the dry-run count found; null when unknown (then no bar, percentage or ETA). */
  total: number | null;
  elapsedMs: number;
}

/** 30 cells fit beside the numbers in an 80-column terminal. */
const BAR_CELLS = 30;

/** `90` → `1m30s`, `3725` → `1h02m`: short enough to stay on one line. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** The rate in messages a second, or null before any time has passed. */
export function ratePerSecond(done: number, elapsedMs: number): number | null {
  return elapsedMs > 0 ? (done * 1000) / elapsedMs : null;
}

export function renderProgress({ done, total, elapsedMs }: ProgressState): string {
  const rate = ratePerSecond(done, elapsedMs);
  const rateText = rate === null ? "-/s" : `${rate.toFixed(1)}/s`;
  if (total === null) return `${done} done  ${rateText}`;
  // The count is taken before the task starts; messages that fail meanwhile can push done past it.
  const shownTotal = Math.max(total, done);
  const fraction = shownTotal === 0 ? 1 : done / shownTotal;
  const filled = Math.round(fraction * BAR_CELLS);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_CELLS - filled)}]`;
  const left = shownTotal - done;
  const eta = left === 0 ? "0s" : rate === null || rate === 0 ? "?" : formatDuration(left / rate);
  return `${bar} ${done}/${shownTotal} ${Math.floor(fraction * 100)}%  ${rateText}  ETA ${eta}`;
}
