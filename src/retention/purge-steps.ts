import type { PurgeStep, RetentionBatch } from "./retention-strategy.ts";

/**
 * The row-by-row purges every dialect has. Each call does one small batch (at most `limit` rows)
 * and goes on from where the previous one stopped (`from`, the `next` it returned) instead of
 * scanning again from the oldest row: on PostgreSQL the rows deleted so far stay in the indexes as
 * dead entries until vacuum, and rescanning them makes a pass quadratic.
 */
export interface HistoryPurges {
  /**
   * Clears payloads whose per-message retention has passed by `now`, in order of expiry from
   * `from` (inclusive: several payloads may expire in the same millisecond); start at 0.
   */
  expirePayloads(now: number, limit: number, from: number): Promise<RetentionBatch<number>>;
  /** Deletes attempts created before `cutoff` whose ids come after `from` (start at ""). */
  deleteAttemptsBefore(cutoff: number, limit: number, from: string): Promise<RetentionBatch<string>>;
  /**
   * Deletes messages created before `cutoff` whose ids come after `from` (start at ""), with their
   * deliveries, unless a delivery is still due; those are looked at again in the next pass.
   */
  deleteMessagesBefore(cutoff: number, limit: number, from: string): Promise<RetentionBatch<string>>;
  /**
   * Deletes pre-aggregated stats rows of minutes that began before `cutoff`, oldest first, from
   * minute `from` on (start at 0): the stats go with the history they summarise.
   */
  deleteStatsBefore(cutoff: number, limit: number, from: number): Promise<RetentionBatch<number>>;
}

/**
 * The steps every pass runs, in order: payloads past their own retention (by `now`), then
 * attempts and messages created before `rowCutoff`, then the stats rows of those minutes.
 */
export function historySteps(purges: HistoryPurges, now: number, rowCutoff: number): PurgeStep[] {
  return [
    cursorStep("expirePayloads", true, 0, (limit, from) => purges.expirePayloads(now, limit, from)),
    cursorStep("deleteAttemptsBefore", true, "", (limit, from) => purges.deleteAttemptsBefore(rowCutoff, limit, from)),
    cursorStep("deleteMessagesBefore", true, "", (limit, from) => purges.deleteMessagesBefore(rowCutoff, limit, from)),
    // Stats rows go with the history they summarise: up to the same cutoff as the rows (on
    // PostgreSQL, expired rows whose window is not dropped yet keep their stats too). They are not
    // history rows, so they are not in the count the pass reports.
    cursorStep("deleteStatsBefore", false, 0, (limit, from) => purges.deleteStatsBefore(rowCutoff, limit, from)),
  ];
}

/** A step over a batched purge that resumes from a key: it keeps the key between its batches. */
export function cursorStep<K>(
  name: string,
  counted: boolean,
  start: K,
  purge: (limit: number, from: K) => Promise<RetentionBatch<K>>,
): PurgeStep {
  let from = start;
  return {
    name,
    counted,
    async batch(limit) {
      const done = await purge(limit, from);
      from = done.next;
      return done;
    },
  };
}
