/**
 * The throughput measurement every closed-loop scenario shares, so the ceiling, Hookline on SQLite
 * and on PostgreSQL, and the BullMQ baseline are measured the same way:
 *
 *   rate = messages sent and answered successfully in the load window, all of which arrived at the
 *          receiver, ÷ time from the first request sent to the last of them arriving.
 *
 * For the ceiling the arrival is the request itself; for the pipelines it is the webhook. A
 * pipeline that accepts faster than it delivers builds a backlog during the window and pays for it
 * in the tail, so the number is what it sustains, not what it accepts. A message that never arrives
 * makes the rate null (reported with the count): "every message delivered" is part of the metric.
 */
import { payloadOf } from "./payload.ts";
import { round, summarize, type Summary } from "../../test/support/stats.ts";
import { sleep } from "../../test/support/wait.ts";
import type { ClosedLoop, ClosedLoopConfig, ClosedLoopResult } from "./closed-loop.ts";
import { CpuWindow, log, type Bench } from "./context.ts";
import type { ArrivalReceiver } from "../../test/support/arrival-receiver.ts";

export interface ApiTarget {
  /** Base URL of the API (Hookline or the baseline). */
  url: string;
  token: string | null;
  appId: string;
}

/** Bodies like the ones the latency generator sends: {eventType, payload} with a ~500-byte payload. */
export function messageBodies(payloadBytes: number): string[] {
  return Array.from({ length: 64 }, (_, i) =>
    JSON.stringify({ eventType: "invoice.paid", payload: payloadOf(i, payloadBytes) }),
  );
}

export function apiLoad(
  b: Bench,
  t: ApiTarget,
  load: { seconds: number; maxRequests?: number; concurrency?: number },
): ClosedLoopConfig {
  return {
    url: `${t.url}/api/v1/app/${t.appId}/msg`,
    headers: {
      "content-type": "application/json",
      ...(t.token !== null ? { authorization: `Bearer ${t.token}` } : {}),
    },
    bodies: messageBodies(b.o.payloadBytes),
    concurrency: load.concurrency ?? b.o.concurrency,
    seconds: load.seconds,
    maxRequests: load.maxRequests ?? 10_000_000,
    okStatus: 202,
    idMode: "response",
    idPrefix: "",
    requestTimeoutMs: 30_000,
  };
}

export interface ArrivalWait {
  missing: number;
  /** Monotonic µs of the last of the ids to arrive (0 if none did). */
  lastUs: number;
  waitedSeconds: number;
}

/**
 * Waits until every id has arrived at the receiver, or no new one arrived for `stallMs`, or
 * `maxMs` passed.
 */
export async function waitForArrivals(
  receiver: ArrivalReceiver,
  ids: string[],
  { stallMs = 15_000, maxMs = 600_000 } = {},
): Promise<ArrivalWait> {
  const started = Date.now();
  let pending = ids;
  let lastUs = 0;
  let lastProgress = Date.now();
  for (;;) {
    const still: string[] = [];
    for (const id of pending) {
      const at = receiver.arrivals.get(id);
      if (at === undefined) still.push(id);
      else if (at > lastUs) lastUs = at;
    }
    if (still.length < pending.length) lastProgress = Date.now();
    pending = still;
    const now = Date.now();
    if (pending.length === 0 || now - lastProgress > stallMs || now - started > maxMs) break;
    await sleep(pending.length > 1000 ? 50 : 10);
  }
  return { missing: pending.length, lastUs, waitedSeconds: round((Date.now() - started) / 1000, 2) };
}

export interface ThroughputReport {
  /** The headline: see the file comment. Null when some message was not delivered. */
  rate: number | null;
  /** The measured window, monotonic µs (first request, last answer or arrival). */
  window: { fromUs: number; toUs: number };
  sent: number;
  ok: number;
  delivered: number;
  undelivered: number;
  errors: Record<string, number>;
  /** Seconds the load ran (first request to last answer). */
  loadSeconds: number;
  /** Seconds from the first request to the last arrival. */
  seconds: number;
  /** Successful answers per second of the load (what the API accepts, delivered or not). */
  acceptedPerSecond: number;
  /** Seconds between the last answer and the last arrival: the backlog left when the load stopped. */
  tailSeconds: number;
  /** Request duration under this load, ms. */
  requestLatency: Summary;
  /** Arrival at the receiver − answer received by the load generator, ms (null for the ceiling). */
  deliveryLatency: Summary | null;
  /** CPU use during the window, in cores. */
  cpu: ReturnType<CpuWindow["stop"]>;
  /**
   * Cores used by the pipeline under test (the bench's processes less the load generator and the
   * receiver's process: Hookline and PostgreSQL, or the baseline and Redis), and messages per
   * second of those cores: a figure that holds up better than the rate when other processes
   * take CPU away.
   */
  pipelineCores: number | null;
  messagesPerPipelineCoreSecond: number | null;
}

export function throughputOf(
  result: ClosedLoopResult,
  wait: ArrivalWait,
  cpu: ReturnType<CpuWindow["stop"]>,
  receiver: ArrivalReceiver,
  withDeliveryLatency: boolean,
): ThroughputReport {
  const endUs = Math.max(result.endUs, wait.lastUs);
  const seconds = (endUs - result.startUs) / 1e6;
  const delivered = result.ids.length - wait.missing;
  const lat: number[] = [];
  if (withDeliveryLatency)
    for (let i = 0; i < result.ids.length; i++) {
      const at = receiver.arrivals.get(result.ids[i]!);
      if (at !== undefined) lat.push(at - result.ackUs[i]!);
    }
  const rate = wait.missing === 0 && result.ok > 0 ? round(result.ok / seconds, 0) : null;
  const p = cpu.processes;
  const pipelineCores =
    withDeliveryLatency && cpu.machine && typeof p.loadGenerator === "number" && typeof p.benchDriver === "number"
      ? round(cpu.machine.benchCores - p.loadGenerator - p.benchDriver, 2)
      : null;
  return {
    rate,
    window: { fromUs: result.startUs, toUs: endUs },
    sent: result.sent,
    ok: result.ok,
    delivered,
    undelivered: wait.missing,
    errors: result.errors,
    loadSeconds: round((result.endUs - result.startUs) / 1e6, 2),
    seconds: round(seconds, 2),
    acceptedPerSecond: round(result.ok / ((result.endUs - result.startUs) / 1e6), 0),
    tailSeconds: round(Math.max(0, wait.lastUs - result.endUs) / 1e6, 2),
    requestLatency: summarize(Array.from(result.durationsUs)),
    deliveryLatency: withDeliveryLatency ? summarize(lat) : null,
    cpu,
    pipelineCores,
    messagesPerPipelineCoreSecond:
      rate !== null && pipelineCores !== null && pipelineCores > 0 ? round(rate / pipelineCores, 0) : null,
  };
}

/**
 * Closed-loop load through an API to the receiver: a warm-up (delivered, then discarded), then the
 * measured window. `pids` name the processes whose CPU use is reported.
 */
export async function measurePipeline(
  b: Bench,
  gen: ClosedLoop,
  label: string,
  target: ApiTarget,
  pids: Record<string, number | undefined>,
): Promise<ThroughputReport> {
  if (b.o.warmupSeconds > 0) {
    log(`${label}: warm-up ${b.o.warmupSeconds} s`);
    const warm = await gen.run(apiLoad(b, target, { seconds: b.o.warmupSeconds }));
    const w = await waitForArrivals(b.receiver, warm.ids, { maxMs: 120_000 });
    if (warm.ok === 0)
      throw new Error(`${label}: no message accepted during the warm-up: ${JSON.stringify(warm.errors)}`);
    if (w.missing > 0) log(`${label}: ${w.missing} warm-up messages not delivered after ${w.waitedSeconds} s`);
  }
  b.receiver.reset();
  log(`${label}: measuring ${b.o.seconds} s at ${b.o.concurrency} requests in flight`);
  const cpu = new CpuWindow({ ...pids, loadGenerator: gen.pid, benchDriver: process.pid });
  const result = await gen.run(apiLoad(b, target, { seconds: b.o.seconds }));
  const wait = await waitForArrivals(b.receiver, result.ids);
  const report = throughputOf(result, wait, cpu.stop(), b.receiver, true);
  log(
    `${label}: ${report.rate ?? "n/a"} msg/s delivered (accepted ${report.acceptedPerSecond}/s, ` +
      `${report.undelivered} undelivered, tail ${report.tailSeconds} s)`,
  );
  return report;
}
