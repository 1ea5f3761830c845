/** What every scenario of `npm run bench` shares: options, logging, clean-up, CPU accounting, the receiver. */
import { CpuMeter, type CpuUse } from "./cpu-meter.ts";
import { monoUs, round } from "../../test/support/stats.ts";
import { sleep } from "../../test/support/wait.ts";
import { onCleanup } from "./cleanups.ts";
import { cpuSeconds } from "./proc.ts";
import type { ArrivalReceiver } from "../../test/support/arrival-receiver.ts";

export const SCENARIOS = [
  "http_ceiling",
  "e2e",
  "latency",
  "fanout",
  "expressions",
  "bullmq",
  "postgres",
  "postgres_latency",
  "latency_half",
  "backlog",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Options {
  quick: boolean;
  /** Scenarios to run, in SCENARIOS order. */
  scenarios: ScenarioName[];
  /** Connections (= requests in flight) of the closed-loop load generator. */
  concurrency: number;
  /** How often the throughput scenarios (ceiling, e2e, bullmq, postgres) run, interleaved; the median counts. */
  rounds: number;
  /** Length of each throughput measurement, s. */
  seconds: number;
  /** Closed-loop warm-up before each throughput measurement, s (delivered, not counted). */
  warmupSeconds: number;
  latencyRate: number;
  latencySeconds: number;
  latencyWarmupSeconds: number;
  /** Runs of the latency window again while other processes disturbed it (see scenarios/latency.ts). */
  latencyRetries: number;
  fanoutEndpoints: number;
  fanoutMessages: number;
  fanoutConcurrency: number;
  /** Messages per variant of the expressions scenario (each goes to its app's endpoints). */
  expressionMessages: number;
  backlogMessages: number;
  payloadBytes: number;
  /** Also run the SQLite end-to-end load once more under `--cpu-prof` and report the hot spots. */
  profile: boolean;
  quietWait: number;
  quietCores: number;
  out: string;
}

/** The middle value, or the mean of the two middle ones: the figure reported for a metric measured in several rounds. */
export const median = (values: number[]): number => {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
};

export const log = (msg: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Runs `fn` with `resource`, and always `release`s it afterwards. */
export async function using<T, R>(
  resource: T,
  release: (r: T) => void | Promise<unknown>,
  fn: (r: T) => Promise<R>,
): Promise<R> {
  const forget = onCleanup(() => void release(resource));
  try {
    return await fn(resource);
  } finally {
    forget();
    await release(resource);
  }
}

export const meter = new CpuMeter();

export interface QuietReport {
  waitedSeconds: number;
  /** Other processes' CPU use (cores) in the last 2-s sample before the scenario started. */
  otherCores: number | null;
  quiet: boolean;
}

/** Waits (bounded by --quiet-wait) until other processes use less than --quiet-cores cores. */
export async function waitForQuiet(o: Pick<Options, "quietWait" | "quietCores">, what: string): Promise<QuietReport> {
  const started = Date.now();
  for (let i = 0; ; i++) {
    const a = meter.sample();
    await sleep(2000);
    const use = CpuMeter.between(a, meter.sample());
    if (!use) return { waitedSeconds: 0, otherCores: null, quiet: true };
    const waited = Math.round((Date.now() - started) / 1000);
    if (use.otherCores < o.quietCores) return { waitedSeconds: waited, otherCores: use.otherCores, quiet: true };
    if (waited >= o.quietWait) {
      log(`${what}: other processes still use ${use.otherCores} cores after ${waited} s; going ahead`);
      return { waitedSeconds: waited, otherCores: use.otherCores, quiet: false };
    }
    if (i === 0) log(`${what}: other processes use ${use.otherCores} cores; waiting up to ${o.quietWait} s for quiet`);
  }
}

/** CPU use of named processes and of the machine between `start` and `stop`, in cores. */
export class CpuWindow {
  private readonly fromMachine = meter.sample();
  private readonly fromUs = monoUs();
  private readonly from = new Map<string, number | null>();

  constructor(private readonly pids: Record<string, number | undefined>) {
    for (const [name, pid] of Object.entries(pids)) this.from.set(name, cpuSeconds(pid));
  }

  stop(): { machine: CpuUse | null; processes: Record<string, number | null> } {
    const seconds = (monoUs() - this.fromUs) / 1e6;
    const processes: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const a = this.from.get(name);
      const b = cpuSeconds(pid);
      processes[name] =
        a === null || a === undefined || b === null || seconds <= 0 ? null : round((b - a) / seconds, 2);
    }
    return { machine: CpuMeter.between(this.fromMachine, meter.sample()), processes };
  }
}

/** Remembers a Hookline process's peak RSS under `label` (the highest, over rounds). */
export function recordPeak(b: Bench, label: string, mb: number): void {
  b.hooklinePeaks[label] = Math.max(b.hooklinePeaks[label] ?? 0, mb);
}

/** Everything a scenario gets. */
export interface Bench {
  o: Options;
  receiver: ArrivalReceiver;
  /** Peak RSS (MB) of every Hookline process started in this run, by scenario. */
  hooklinePeaks: Record<string, number>;
  /** Where --profile writes CPU profiles. */
  profileDir: string;
  /** Each e2e round's delivered rate, msg/s: latency_half offers half their median. */
  e2eRates: number[];
}

export interface ScenarioResult {
  /** The headline numbers this scenario produced (null: measured but not valid, see notes). */
  metrics: Record<string, number | null>;
  details: Record<string, unknown>;
  notes: string[];
}

/** Thrown by a scenario that cannot run here (a missing binary or package): reported, not failed. */
export class Skip extends Error {}
