/**
 * Closed-loop load generator, run as its own process (forked by bench/lib/closed-loop.ts with the
 * "advanced" IPC serialization). `concurrency` workers each send a POST, wait for its answer and send
 * the next, through one undici Pool with that many keep-alive connections, until `seconds` have
 * passed or `maxRequests` were sent, whichever comes first. Every request has a timeout, so the
 * run ends by itself.
 *
 * Protocol: child sends {type:"ready"} once it listens; parent sends {type:"run", config}; child
 * answers {type:"result", result} and exits when the parent disconnects.
 */
import { Pool } from "undici";
import { monoUs } from "../../test/support/stats.ts";

export interface ClosedLoopConfig {
  /** Full URL of the POST target. */
  url: string;
  headers: Record<string, string>;
  /** Request bodies, used round-robin (built ahead so JSON work does not slow the sender). */
  bodies: string[];
  concurrency: number;
  seconds: number;
  maxRequests: number;
  /** The status that counts as success (202 for the APIs, 200 for the receiver). */
  okStatus: number;
  /**
   * "response": the message id is the `id` of the JSON answer (the APIs);
   * "header": the generator sends `webhook-id: <idPrefix><n>` itself (straight to the receiver).
   */
  idMode: "response" | "header";
  idPrefix: string;
  requestTimeoutMs: number;
}

export interface ClosedLoopResult {
  /** Monotonic µs when the first request was sent. */
  startUs: number;
  /** Monotonic µs when the last answer arrived. */
  endUs: number;
  sent: number;
  ok: number;
  /** Ids of the successful requests, in order of their answers. */
  ids: string[];
  /** When each answer in `ids` arrived (monotonic µs). */
  ackUs: Float64Array;
  /** Request durations (µs) of the successful requests. */
  durationsUs: Float64Array;
  errors: Record<string, number>;
}

type Inbound = { type: "run"; config: ClosedLoopConfig };

process.on("disconnect", () => process.exit(0));
process.on("message", (raw) => {
  const message = raw as Inbound;
  if (message.type === "run")
    void run(message.config).then(
      (result) => process.send?.({ type: "result", result }),
      (error: unknown) => process.send?.({ type: "error", error: String((error as Error)?.stack ?? error) }),
    );
});
process.send?.({ type: "ready" });

async function run(c: ClosedLoopConfig): Promise<ClosedLoopResult> {
  const url = new URL(c.url);
  const pool = new Pool(url.origin, {
    connections: c.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: c.requestTimeoutMs,
    bodyTimeout: c.requestTimeoutMs,
  });
  const path = url.pathname + url.search;
  const ids: string[] = [];
  const ackUs: number[] = [];
  const durationsUs: number[] = [];
  const errors: Record<string, number> = {};
  let sent = 0;
  let ok = 0;
  let endUs = 0;
  const startUs = monoUs();
  const deadlineUs = startUs + c.seconds * 1e6;

  const worker = async () => {
    while (sent < c.maxRequests && monoUs() < deadlineUs) {
      const n = sent++;
      const headers = c.idMode === "header" ? { ...c.headers, "webhook-id": `${c.idPrefix}${n}` } : c.headers;
      const began = monoUs();
      try {
        const res = await pool.request({
          path,
          method: "POST",
          headers,
          body: c.bodies[n % c.bodies.length],
          signal: AbortSignal.timeout(c.requestTimeoutMs),
        });
        const text = await res.body.text();
        const at = monoUs();
        endUs = at;
        if (res.statusCode !== c.okStatus) {
          errors[`http ${res.statusCode}`] = (errors[`http ${res.statusCode}`] ?? 0) + 1;
          continue;
        }
        ok++;
        ids.push(c.idMode === "header" ? `${c.idPrefix}${n}` : (JSON.parse(text) as { id: string }).id);
        ackUs.push(at);
        durationsUs.push(at - began);
      } catch (error) {
        endUs = monoUs();
        const code = (error as { code?: string }).code ?? (error as Error).name;
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, worker));
  await pool.close().catch(() => undefined);
  return {
    startUs,
    endUs: endUs || monoUs(),
    sent,
    ok,
    ids,
    ackUs: Float64Array.from(ackUs),
    durationsUs: Float64Array.from(durationsUs),
    errors,
  };
}
