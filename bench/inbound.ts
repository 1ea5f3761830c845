/**
 * `npm run bench:inbound`: how fast the inbound gateway acknowledges a provider, and how soon the
 * internal service has the event. A GitHub source with one destination; signed GitHub-style
 * deliveries (a 500-byte JSON body, HMAC-SHA256 over it) are offered open-loop at --rate per
 * second for --seconds (after a 2 s warm-up not counted). Reported:
 * - ack latency: request sent → 200 received by the "provider" (the event is durable by then);
 * - delivered latency: request sent → the destination's arrival (both on CLOCK_MONOTONIC);
 * - every acknowledged event arrived once (the count of missing and duplicate arrivals).
 * The load runs in this process (it is light next to the server's work at these rates); the
 * server is a real `hookline serve` child process on a fresh SQLite data directory.
 */
import { createHmac } from "node:crypto";
import { writeFileSync, mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { Hookline } from "./lib/hookline.ts";
import { Receiver } from "./lib/receiver.ts";
import { monoUs, summarize } from "./support/stats.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const WARMUP_SECONDS = 2;
const SECRET = "bench-github-secret";

const body = (i: number) => {
  const base = `{"action":"completed","delivery":${i},"repository":{"full_name":"acme/api"},"pad":"`;
  return `${base}${"x".repeat(Math.max(0, 498 - base.length))}"}`;
};

const receiver = new Receiver();
await receiver.start();
const hookline = await Hookline.start();
try {
  const source = await hookline.call(
    "POST",
    "/ingest/api/v1/source",
    {
      name: "bench",
      type: "github",
      config: { secret: SECRET },
    },
    201,
  );
  await hookline.call("POST", `/ingest/api/v1/source/${source.id}/endpoint`, { url: `${receiver.url}/in` }, 201);
  const ingest = new URL(source.ingestUrl as string);
  const pool = new Pool(ingest.origin, { connections: 32, pipelining: 1 });

  const acks = new Map<string, { sentUs: number; ackUs: number }>();
  const failures: number[] = [];
  const total = Math.round(rate * (seconds + WARMUP_SECONDS));
  const warmup = Math.round(rate * WARMUP_SECONDS);
  const start = monoUs();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    // Open loop: request i leaves at start + i/rate whatever happened to the ones before it.
    const due = start + (i * 1e6) / rate;
    const wait = due - monoUs();
    if (wait > 1000) await new Promise((resolve) => setTimeout(resolve, wait / 1000));
    const payload = body(i);
    const sentUs = monoUs();
    inflight.push(
      pool
        .request({
          method: "POST",
          path: ingest.pathname,
          headers: {
            "content-type": "application/json",
            "x-github-event": "workflow_run",
            "x-github-delivery": `bench-${i}`,
            "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(payload).digest("hex")}`,
          },
          body: payload,
        })
        .then(async (res) => {
          await res.body.text();
          if (res.statusCode !== 200) failures.push(res.statusCode);
          else if (i >= warmup) acks.set(`bench-${i}`, { sentUs, ackUs: monoUs() });
        }),
    );
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 30_000;
  while (receiver.total < total - failures.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  // The forward carries Hookline's message id (webhook-id); the source's log pairs each message id
  // with the provider's delivery id the request was sent under.
  const log: Array<{ msg_id: string; headers: Record<string, string> }> = [];
  let iterator: string | null = null;
  do {
    const page: { data: typeof log; iterator: string | null; done: boolean } = await hookline.call(
      "GET",
      `/ingest/api/v1/source/${source.id}/log?limit=250${iterator ? `&iterator=${iterator}` : ""}`,
      undefined,
      200,
    );
    log.push(...page.data);
    iterator = page.done ? null : page.iterator;
  } while (iterator);
  const forwardUs: number[] = [];
  let missing = 0;
  for (const entry of log) {
    const ack = acks.get(entry.headers["x-github-delivery"] ?? "");
    if (!ack) continue;
    const arrived = receiver.arrivals.get(entry.msg_id);
    if (arrived === undefined) missing++;
    else forwardUs.push(arrived - ack.sentUs);
  }
  const ackUs = [...acks.values()].map((a) => a.ackUs - a.sentUs);
  const result = {
    rate,
    seconds,
    accepted: acks.size,
    failures: failures.length,
    missing,
    duplicates: receiver.duplicates,
    ack_ms: summarize(ackUs),
    delivered_ms: summarize(forwardUs),
    peak_rss_mb: await hookline.stop(),
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/inbound.json", JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result, null, 2));
  await pool.close();
} catch (error) {
  await hookline.kill();
  throw error;
} finally {
  await receiver.close();
}
