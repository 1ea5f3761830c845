import { appendFileSync } from "node:fs";

/** One scenario's line in the suite's closing summary. */
export interface ScenarioSummary {
  scenario: string;
  store: "sqlite" | "postgres";
  seconds: number;
  /** Acknowledged messages per second while the load ran. */
  loadMsgPerS: number;
  /** Faults injected, by kind. */
  faults: Record<string, number>;
  acknowledged: number;
  delivered: number;
  /** Acknowledged but never delivered: must be 0. */
  lost: number;
  duplicates: number;
  /** Anything else worth a line (measured ratios, refusals seen). */
  notes: string[];
  /** Why the scenario did not run here, if it did not. */
  skipped?: string;
}

/**
 * Prints the summary as a test diagnostic and, when the runner asked for it
 * (HOOKLINE_RELIABILITY_REPORT names a file), appends it there as one JSON line for the final table.
 */
export function reportScenario(t: { diagnostic(message: string): void }, summary: ScenarioSummary): void {
  t.diagnostic(`summary ${JSON.stringify(summary)}`);
  const file = process.env.HOOKLINE_RELIABILITY_REPORT;
  if (file) appendFileSync(file, JSON.stringify(summary) + "\n");
}

export const storeUnderTest = (): "sqlite" | "postgres" =>
  process.env.HOOKLINE_TEST_STORE === "postgres" ? "postgres" : "sqlite";

/** Records that a scenario could not run here, so the summary says so instead of leaving it out. */
export function reportSkipped(scenario: string, store: "sqlite" | "postgres", reason: string): void {
  const file = process.env.HOOKLINE_RELIABILITY_REPORT;
  if (!file) return;
  const summary: ScenarioSummary = {
    scenario,
    store,
    seconds: 0,
    loadMsgPerS: 0,
    faults: {},
    acknowledged: 0,
    delivered: 0,
    lost: 0,
    duplicates: 0,
    notes: [],
    skipped: reason,
  };
  appendFileSync(file, JSON.stringify(summary) + "\n");
}
