/**
 * Open-loop load generator, run as its own process (forked by bench/lib/open-loop.ts with the
 * "advanced" IPC serialization). Message i is due at t0 + i/rate whatever happened to earlier
 * requests, so a slow server cannot slow the offered load down (no coordinated omission).
 *
 * Protocol: parent sends {type:"config"}; child answers {type:"ready"}; parent sends {type:"start"};
 * child answers {type:"started", t0Us}; parent sends {type:"stop"} (or maxSeconds passes); child
 * waits (bounded) for outstanding requests and sends {type:"result"} with one row per message.
 */
import { Agent, request } from "undici";
import { payloadOf } from "./payload.ts";
import { monoUs } from "../../test/support/stats.ts";

export interface LoadConfig {
  url: string;
  token: string;
  appId: string;
  rate: number;
  /** Hard upper bound on the sending time, even if no stop arrives. */
  maxSeconds: number;
  payloadBytes: number;
  connections: number;
  /** Requests outstanding at once beyond which a due message is skipped and counted as dropped. */
  maxInflight: number;
  requestTimeoutMs: number;
}

export interface LoadResult {
  t0Us: number;
  /** When each message was due to be sent (monotonic µs). */
  scheduledUs: Float64Array;
  /** When its 202 (or other answer) was fully received; NaN if it never was. */
  ackUs: Float64Array;
  /** HTTP status, 0 for a transport error, -1 for dropped (too many outstanding). */
  status: Int16Array;
  /** The message id from the 202 body ("" otherwise). */
  ids: string[];
  errors: Record<string, number>;
}

type Inbound = { type: "config"; config: LoadConfig } | { type: "start" } | { type: "stop" };

const send = (message: unknown) => process.send?.(message);
let config: LoadConfig | null = null;
let stopRequested = false;

process.on("disconnect", () => process.exit(0));
process.on("message", (raw) => {
  const message = raw as Inbound;
  if (message.type === "config") {
    config = message.config;
    send({ type: "ready" });
  } else if (message.type === "start" && config) void run(config);
  else if (message.type === "stop") stopRequested = true;
});

async function run(c: LoadConfig): Promise<void> {
  const agent = new Agent({
    connections: c.connections,
    keepAliveTimeout: 60_000,
    headersTimeout: c.requestTimeoutMs,
    bodyTimeout: c.requestTimeoutMs,
  });
  const capacity = Math.ceil(c.rate * c.maxSeconds) + 1;
  const scheduledUs = new Float64Array(capacity);
  const ackUs = new Float64Array(capacity).fill(NaN);
  const status = new Int16Array(capacity);
  const ids: string[] = new Array<string>(capacity).fill("");
  const errors: Record<string, number> = {};
  const target = `${c.url}/api/v1/app/${c.appId}/msg`;
  const headers = { authorization: `Bearer ${c.token}`, "content-type": "application/json" };
  // Bodies are built ahead so JSON work does not jitter the send times.
  const bodies = Array.from({ length: 64 }, (_, i) =>
    JSON.stringify({ eventType: "invoice.paid", payload: payloadOf(i, c.payloadBytes) }),
  );
  let inflight = 0;

  const fire = (i: number) => {
    inflight++;
    void request(target, { method: "POST", headers, body: bodies[i % bodies.length], dispatcher: agent })
      .then(async (res) => {
        const text = await res.body.text();
        ackUs[i] = monoUs();
        status[i] = res.statusCode;
        if (res.statusCode === 202) ids[i] = (JSON.parse(text) as { id: string }).id;
        else errors[`http ${res.statusCode}`] = (errors[`http ${res.statusCode}`] ?? 0) + 1;
      })
      .catch((error: unknown) => {
        const code = (error as { code?: string }).code ?? (error as Error).name;
        errors[code] = (errors[code] ?? 0) + 1;
        status[i] = 0;
      })
      .finally(() => inflight--);
  };

  const t0Us = monoUs();
  send({ type: "started", t0Us });
  const intervalUs = 1e6 / c.rate;
  const endUs = t0Us + c.maxSeconds * 1e6;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = monoUs();
      if (stopRequested || now >= endUs) return resolve();
      while (next < capacity && t0Us + next * intervalUs <= now) {
        scheduledUs[next] = t0Us + next * intervalUs;
        if (inflight >= c.maxInflight) {
          status[next] = -1;
          errors.dropped = (errors.dropped ?? 0) + 1;
        } else fire(next);
        next++;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  // Every request has its own timeout, so this wait is bounded by it.
  const deadline = Date.now() + c.requestTimeoutMs + 1000;
  while (inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await agent.close().catch(() => undefined);
  const result: LoadResult = {
    t0Us,
    scheduledUs: scheduledUs.slice(0, next),
    ackUs: ackUs.slice(0, next),
    status: status.slice(0, next),
    ids: ids.slice(0, next),
    errors,
  };
  send({ type: "result", result });
}
