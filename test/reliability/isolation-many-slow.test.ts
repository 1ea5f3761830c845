/**
 * Enough slow endpoints must not starve a healthy one. A worker holds at most 4 ×
 * HOOKLINE_WORKER_CONCURRENCY deliveries in memory, lets each endpoint's lane queue up to 4 ×
 * HOOKLINE_ENDPOINT_CONCURRENCY of them and sends at most WORKER_CONCURRENCY at once. Once
 * WORKER/ENDPOINT_CONCURRENCY backed-up endpoints (8 with the defaults 512/64; 4 here with 32/8)
 * filled the request slots and the memory, a healthy endpoint's webhooks waited for hanging
 * requests to time out (0 of 50 within 3 s, the last after 8 s). The dispatcher now keeps a
 * quarter of both for endpoints with nothing in flight or little held (RESERVED_SHARE in
 * src/delivery/endpoint-lanes.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { removeDir, ServerProcess, tempDataDir } from "../support/server-process.ts";
import { sleep, waitUntil } from "../support/wait.ts";
import { LoadGenerator, startSeqReceiver } from "./support/load.ts";
import { reportScenario, storeUnderTest } from "./support/report.ts";
import { scenarioCleanups } from "./support/cleanups.ts";

const SLOW_ENDPOINTS = 5;
const SLOW_RATE_EACH = 5;
const HEALTHY_MESSAGES = 50;
/** What a healthy endpoint beside slow ones should manage easily: its 50 messages within 3 s. */
const HEALTHY_DEADLINE_MS = 3000;

const store = storeUnderTest();
const cleanups = scenarioCleanups();

test(
  `${SLOW_ENDPOINTS} backed-up 10-second endpoints do not starve a healthy one (${store})`,
  { timeout: 90_000 },
  async (t) => {
    const dataDir = tempDataDir("hookline-many-slow-");
    cleanups.push(() => removeDir(dataDir));
    const healthy = await startSeqReceiver();
    const slow = await startSeqReceiver({ delayMs: 10_000 });
    cleanups.push(
      () => healthy.close(),
      () => slow.close(),
    );
    const server = await ServerProcess.start({
      dataDir,
      env: { HOOKLINE_WORKER_CONCURRENCY: "32", HOOKLINE_ENDPOINT_CONCURRENCY: "8", HOOKLINE_REQUEST_TIMEOUT: "15" },
    });
    const createApp = async (name: string, url: string) => {
      const app = await server.api("POST", "/api/v1/app", { name });
      assert.equal(app.status, 201, app.text);
      const ep = await server.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url });
      assert.equal(ep.status, 201, ep.text);
      return app.body.id as string;
    };
    const slowApps: string[] = [];
    for (let i = 0; i < SLOW_ENDPOINTS; i++) slowApps.push(await createApp(`slow-${i}`, `${slow.url}/${i}`));
    const healthyApp = await createApp("healthy", healthy.url + "/hook");

    const slowLoad = new LoadGenerator({
      target: () => server.url,
      token: server.token!,
      appFor: (n) => slowApps[n % SLOW_ENDPOINTS]!,
      ratePerSecond: SLOW_ENDPOINTS * SLOW_RATE_EACH,
      maxInFlight: 16,
    });
    cleanups.push(() => slowLoad.close());
    slowLoad.start();
    // Long enough for the slow lanes to hold 5 × 32 deliveries, more than the worker's cap of 128.
    await sleep(7000);

    const load = new LoadGenerator({
      target: () => server.url,
      token: server.token!,
      appFor: () => healthyApp,
      ratePerSecond: 50,
      maxInFlight: 16,
    });
    cleanups.push(() => load.close());
    load.start();
    await waitUntil(() => load.sent >= HEALTHY_MESSAGES, 10_000, "the healthy messages to be sent");
    await load.stop();
    const acked = load.seqs("acked");
    const postedAt = Date.now();
    await waitUntil(() => acked.every((s) => healthy.arrivals.has(s)), HEALTHY_DEADLINE_MS, "").catch(() => undefined);
    const inTime = acked.filter((s) => healthy.arrivals.has(s)).length;

    // Not lost, only late: with the slow endpoints gone (their deliveries with them), everything arrives.
    await slowLoad.close();
    for (const app of slowApps) await server.api("DELETE", `/api/v1/app/${app}`);
    await waitUntil(() => acked.every((s) => healthy.arrivals.has(s)), 30_000, "the healthy messages to arrive at all");
    const lastMs = Math.max(...acked.map((s) => healthy.arrivals.get(s)! - load.sentAt[s]!));

    reportScenario(t, {
      scenario: `${SLOW_ENDPOINTS} backed-up 10 s endpoints beside a healthy one`,
      store,
      seconds: Math.round((Date.now() - postedAt) / 1000),
      loadMsgPerS: SLOW_ENDPOINTS * SLOW_RATE_EACH,
      faults: { slow_endpoints: SLOW_ENDPOINTS },
      acknowledged: acked.length,
      delivered: acked.filter((s) => healthy.arrivals.has(s)).length,
      lost: acked.filter((s) => !healthy.arrivals.has(s)).length,
      duplicates: 0,
      notes: [
        `${inTime} of ${acked.length} healthy messages arrived within ${HEALTHY_DEADLINE_MS / 1000} s; ` +
          `the last after ${Math.round(lastMs)} ms`,
      ],
    });
    assert.equal(inTime, acked.length, `only ${inTime} of ${acked.length} healthy messages arrived in time`);
  },
);
