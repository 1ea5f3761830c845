/**
 * A receiver that misbehaves the way real ones do: 30% of requests answered with a 5xx, 10% left
 * hanging past Hookline's request timeout, 5% with the connection reset. Every message must still
 * be delivered (once), and the attempt log must name each failure for what it was: the 5xx as
 * `http_status` with its code, the hang as `timeout`, the reset as `connection_reset`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Receiver } from "../support/receiver.ts";
import { removeDir, ServerProcess, tempDataDir } from "../support/server-process.ts";
import { waitUntil } from "../support/wait.ts";
import { seededRandom, Tally } from "./support/faults.ts";
import { DeliveryLedger } from "./support/ledger.ts";
import { oneEndpointLoad } from "./support/one-endpoint-load.ts";
import { reportScenario, storeUnderTest } from "./support/report.ts";
import { scenarioCleanups } from "./support/cleanups.ts";

const MESSAGES = 600;
const RATE = 100;
const TIMEOUT_S = 1;
/** A hang outlasts the timeout by far, so the server has given up long before any answer could come. */
const HANG_MS = 2500;
const SEED = Number(process.env.HOOKLINE_RELIABILITY_SEED ?? 7);
/** 20 quick retries: a message fails every one of them with probability 0.45^21, about 5e-8. */
const RETRY_SCHEDULE = ["0.2", "0.5", ...Array.from({ length: 18 }, () => "1")].join(",");

const store = storeUnderTest();
const cleanups = scenarioCleanups();

type Injected = "ok" | "http_status" | "timeout" | "connection_reset";

test(
  `a receiver failing 30% 5xx, 10% hangs, 5% resets (${store}): all delivered, failures logged by kind`,
  { timeout: 120_000 },
  async (t) => {
    const dataDir = tempDataDir("hookline-flaky-");
    cleanups.push(() => removeDir(dataDir));
    const random = seededRandom(SEED);
    const faults = new Tally();
    const ledger = new DeliveryLedger();
    /** What each request got, by message sequence number, in arrival order. */
    const injected = new Map<number, { kind: Injected; status: number }[]>();
    const receiver = await Receiver.start();
    cleanups.push(() => receiver.close());
    receiver.respond((req) => {
      const seq = DeliveryLedger.seqOf(req);
      const r = random();
      let kind: Injected = "ok";
      let reply: { status?: number; delayMs?: number; reset?: boolean; body?: string };
      if (r < 0.3) {
        kind = "http_status";
        reply = { status: [500, 502, 503][Math.floor(random() * 3)]!, body: "injected failure" };
      } else if (r < 0.4) {
        kind = "timeout";
        reply = { status: 200, delayMs: HANG_MS };
      } else if (r < 0.45) {
        kind = "connection_reset";
        reply = { reset: true };
      } else {
        ledger.success(req);
        reply = { status: 200, body: "ok" };
      }
      if (kind !== "ok") faults.add(kind);
      const list = injected.get(seq) ?? [];
      list.push({ kind, status: reply.status ?? 0 });
      injected.set(seq, list);
      return reply;
    });

    const server = await ServerProcess.start({
      dataDir,
      env: { HOOKLINE_REQUEST_TIMEOUT: String(TIMEOUT_S), HOOKLINE_RETRY_SCHEDULE: RETRY_SCHEDULE },
    });
    const { appId, endpointId, load } = await oneEndpointLoad(server, {
      name: "flaky",
      endpointUrl: receiver.url + "/hook",
      target: () => server.url,
      ratePerSecond: RATE,
      maxInFlight: 32,
    });
    cleanups.push(() => load.close());
    load.start();
    await waitUntil(() => load.sent >= MESSAGES, 60_000, `${MESSAGES} messages to be sent`);
    await load.stop();
    const acked = load.seqs("acked");
    assert.equal(acked.length, load.sent, "every message accepted");

    await waitUntil(() => ledger.missing(acked).length === 0, 60_000, "every message to be delivered").catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${ledger.missing(acked).length} missing\n${server.diagnostics()}`);
      },
    );
    assert.equal(ledger.duplicates, 0, "each message answered 2xx exactly once");

    // The receiver counts a delivery when it answers; the server records that attempt a moment
    // later. Wait until no delivery is still pending or being retried before reading the log.
    await waitUntil(
      async () => {
        const stats = await server.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/stats`);
        return stats.status === 200 && stats.body.pending === 0 && stats.body.sending === 0;
      },
      10_000,
      "every delivery to be recorded as settled",
    );

    // The attempt log, read through the API, against what the receiver did.
    const seqOfMsg = new Map(acked.map((seq) => [(load.outcomes.get(seq) as { msgId: string }).msgId, seq]));
    const logged = new Map<number, { kind: Injected; status: number }[]>();
    let iterator: string | null = null;
    for (;;) {
      const page = await server.api(
        "GET",
        `/api/v1/app/${appId}/attempt/endpoint/${endpointId}?limit=250${iterator ? `&iterator=${iterator}` : ""}`,
      );
      assert.equal(page.status, 200, page.text);
      for (const a of page.body.data as {
        msgId: string;
        errorKind: string | null;
        responseStatusCode: number;
        status: number;
      }[]) {
        const seq = seqOfMsg.get(a.msgId)!;
        const list = logged.get(seq) ?? [];
        list.push({ kind: (a.errorKind ?? (a.status === 0 ? "ok" : "?")) as Injected, status: a.responseStatusCode });
        logged.set(seq, list);
      }
      if (page.body.done) break;
      iterator = page.body.iterator;
    }
    const canonical = (list: { kind: Injected; status: number }[] = []) =>
      list
        .map((x) => `${x.kind}:${x.kind === "http_status" ? x.status : x.kind === "ok" ? 200 : 0}`)
        .sort()
        .join(" ");
    const mismatches = acked.filter((seq) => canonical(logged.get(seq)) !== canonical(injected.get(seq)));
    assert.deepEqual(
      mismatches
        .slice(0, 5)
        .map((seq) => ({ seq, injected: canonical(injected.get(seq)), logged: canonical(logged.get(seq)) })),
      [],
      `${mismatches.length} messages whose attempt log differs from what the receiver did`,
    );
    const attemptsLogged = [...logged.values()].reduce((n, l) => n + l.length, 0);
    assert.equal(attemptsLogged, receiver.requests.length, "one attempt logged per request received");

    reportScenario(t, {
      scenario: "flaky receiver (30% 5xx, 10% hang, 5% reset)",
      store,
      seconds: Math.round(load.seconds),
      loadMsgPerS: Math.round(acked.length / load.seconds),
      faults: faults.counts,
      acknowledged: acked.length,
      delivered: acked.filter((s) => ledger.has(s)).length,
      lost: ledger.missing(acked).length,
      duplicates: ledger.duplicates,
      notes: [`${receiver.requests.length} requests for ${acked.length} messages`, `seed ${SEED}`],
    });
  },
);
