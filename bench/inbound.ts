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
 *
 * `--address-rules N` (default 0) gives the source an allow list of N ranges (the bench's own
 * 127.0.0.0/8 last) and a deny list naming a shared list of N more, and trusts 10.0.0.0/8 as
 * proxies, so every request takes the full address check (docs/benchmarks.md, "Address rules").
 * `address_check_ns` is that check alone (client address resolution plus both lists), timed in
 * this process over many calls, since at these rates it is far below the noise of an HTTP round trip.
 */
import { createHmac } from "node:crypto";
import { writeFileSync, mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { AddressRules } from "../src/access/address-rules.ts";
import { parseAddressList, type AddressSet } from "../src/access/address-set.ts";
import { resolveClientAddress } from "../src/access/client-address.ts";
import type { IpListRepository } from "../src/store/store.ts";
import { Hookline } from "./lib/hookline.ts";
import { ArrivalReceiver } from "../test/support/arrival-receiver.ts";
import { monoUs, summarize } from "../test/support/stats.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    "address-rules": { type: "string", default: "0" },
  },
});
const addressRules = Number(values["address-rules"]);
/** N distinct /24 ranges in `first`.x.y.0 (never loopback). */
const ranges = (first: number, n: number) =>
  Array.from({ length: n }, (_, i) => `${first}.${(i >> 8) & 255}.${i & 255}.0/24`);
const allowedIps = addressRules > 0 ? [...ranges(11, addressRules - 1), "127.0.0.0/8"] : null;
const deniedList = addressRules > 0 ? ranges(198, addressRules) : null;

/** The check every ingest request makes, alone: resolution and both lists, per call. */
async function addressCheckNs(): Promise<number> {
  const named = deniedList
    ? { name: "bench-denied", description: "", entries: deniedList, createdAt: 0, updatedAt: 0 }
    : undefined;
  const lists = { get: async () => named } as unknown as IpListRepository;
  const rules = new AddressRules(lists);
  const trusted = parseAddressList(addressRules > 0 ? ["10.0.0.0/8"] : []) as AddressSet;
  const denied = deniedList ? ["list:bench-denied"] : null;
  const headers = { "content-type": "application/json" };
  const calls = 200_000;
  // The server reads the source afresh for every request: its lists are new arrays each time.
  const copies = Array.from({ length: 50 }, () => (allowedIps ? [...allowedIps] : null));
  const check = async (i: number) => {
    const client = resolveClientAddress("127.0.0.1", headers, trusted);
    if ((await rules.refusal(copies[i % copies.length]!, denied, client, "src_bench@1")) !== null)
      throw new Error("the bench client was refused");
  };
  for (let i = 0; i < 10_000; i++) await check(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await check(i);
  return Math.round(Number(process.hrtime.bigint() - started) / calls);
}
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const WARMUP_SECONDS = 2;
const SECRET = "bench-github-secret";

const body = (i: number) => {
  const base = `{"action":"completed","delivery":${i},"repository":{"full_name":"acme/api"},"pad":"`;
  return `${base}${"x".repeat(Math.max(0, 498 - base.length))}"}`;
};

const receiver = new ArrivalReceiver();
await receiver.start();
const hookline = await Hookline.start(addressRules > 0 ? { env: { HOOKLINE_TRUSTED_PROXIES: "10.0.0.0/8" } } : {});
try {
  if (deniedList) await hookline.call("PUT", "/api/v1/ip-list/bench-denied", { entries: deniedList }, 201);
  const source = await hookline.call(
    "POST",
    "/ingest/api/v1/source",
    {
      name: "bench",
      type: "github",
      config: { secret: SECRET },
      ...(allowedIps ? { allowedIps, deniedIps: ["list:bench-denied"] } : {}),
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
    address_rules: addressRules,
    address_check_ns: await addressCheckNs(),
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
