/**
 * http_ceiling_rps: the load generator POSTs a 500-byte JSON payload straight to the receiver, one
 * hop, with the same closed loop (connections, time) as the pipelines. The ceiling of this machine
 * for "a request from one Node process arriving at another".
 */
import { payloadOf } from "../lib/payload.ts";
import { ClosedLoop } from "../lib/closed-loop.ts";
import { CpuWindow, log, using, type Bench, type ScenarioResult } from "../lib/context.ts";
import { throughputOf, waitForArrivals } from "../lib/measure.ts";
import type { ClosedLoopConfig } from "../lib/closed-loop-generator.ts";

export async function httpCeiling(b: Bench): Promise<ScenarioResult> {
  const load = (seconds: number, idPrefix: string): ClosedLoopConfig => ({
    url: b.receiver.url,
    headers: { "content-type": "application/json" },
    bodies: Array.from({ length: 64 }, (_, i) => JSON.stringify(payloadOf(i, b.o.payloadBytes))),
    concurrency: b.o.concurrency,
    seconds,
    maxRequests: 10_000_000,
    okStatus: 200,
    idMode: "header",
    idPrefix,
    requestTimeoutMs: 30_000,
  });
  return using(
    ClosedLoop.spawn(),
    (g) => g.close(),
    async (gen) => {
      if (b.o.warmupSeconds > 0) {
        log(`http_ceiling: warm-up ${b.o.warmupSeconds} s`);
        await gen.run(load(b.o.warmupSeconds, "warm_"));
      }
      b.receiver.reset();
      log(`http_ceiling: measuring ${b.o.seconds} s at ${b.o.concurrency} requests in flight`);
      const cpu = new CpuWindow({ loadGenerator: gen.pid, benchDriver: process.pid });
      const result = await gen.run(load(b.o.seconds, "evt_"));
      const wait = await waitForArrivals(b.receiver, result.ids, { stallMs: 5000 });
      const report = throughputOf(result, wait, cpu.stop(), b.receiver, false);
      log(`http_ceiling: ${report.rate ?? "n/a"} requests/s`);
      return {
        metrics: { http_ceiling_rps: report.rate },
        details: { ...report, bodyBytes: Buffer.byteLength(load(0, "").bodies[0]!) },
        notes:
          report.undelivered > 0 ? [`${report.undelivered} requests answered but not recorded by the receiver`] : [],
      };
    },
  );
}
