/**
 * The disk fills up under a running server (a real ENOSPC on the tmpfs its data directory lives
 * on, seen by SQLite as SQLITE_FULL): the API must answer 503 store_unavailable with Retry-After
 * instead of acknowledging, nothing it acknowledged may be lost, and once space is freed the same
 * process must accept and deliver again, without a restart.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { Receiver } from "../support/receiver.ts";
import { ServerProcess } from "../support/server-process.ts";
import { sleep, waitUntil } from "../support/wait.ts";
import { DeliveryLedger } from "./support/ledger.ts";
import { oneEndpointLoad } from "./support/one-endpoint-load.ts";
import { reportScenario, reportSkipped } from "./support/report.ts";
import { SmallFilesystem } from "./support/small-filesystem.ts";
import { scenarioCleanups } from "./support/cleanups.ts";

const RATE = 150;
/** Big enough for the schema and a few seconds of traffic, small enough to fill in a moment. */
const FILESYSTEM_MB = 24;
const LEASE_SECONDS = 2;

const SCENARIO = "disk full (tmpfs ENOSPC → SQLITE_FULL)";
const unavailable =
  process.env.HOOKLINE_TEST_STORE === "postgres" ? "SQLite only" : SmallFilesystem.unavailableReason();
if (unavailable) reportSkipped(SCENARIO, "sqlite", unavailable);
const cleanups = scenarioCleanups();

test(
  "disk full: 503 instead of a false acknowledgement, nothing acknowledged lost, recovery without restart",
  {
    skip: unavailable ?? false,
    timeout: 120_000,
  },
  async (t) => {
    const disk = SmallFilesystem.mount(FILESYSTEM_MB);
    cleanups.push(() => disk.remove());
    const receiver = await Receiver.start();
    cleanups.push(() => receiver.close());
    const ledger = new DeliveryLedger();
    // Answers are held while the disk fills, so the worker has attempts to record once it is full;
    // one request in five fails, so retries fall due (claimed from the store) throughout.
    let hold: Promise<void> | undefined;
    let release = () => {};
    receiver.respond((req, i) => {
      if (i % 5 === 0) return { status: 500, body: "try again", delayMs: 20, until: hold };
      ledger.success(req);
      return { status: 200, body: "ok", delayMs: 20, until: hold };
    });

    const server = await ServerProcess.start({
      dataDir: path.join(disk.mountPoint, "data"),
      env: {
        HOOKLINE_LEASE: String(LEASE_SECONDS),
        HOOKLINE_RETRY_SCHEDULE: Array.from({ length: 20 }, () => "1").join(","),
      },
    });
    cleanups.push(() => server.stop());
    const pid = server.pid;
    const { load } = await oneEndpointLoad(server, {
      name: "disk-full",
      endpointUrl: receiver.url + "/hook",
      target: () => server.url,
      ratePerSecond: RATE,
      maxInFlight: 32,
    });
    cleanups.push(() => load.close());
    load.start();
    await sleep(2000);
    const ackedBeforeFull = load.count("acked");

    hold = new Promise<void>((resolve) => (release = resolve));
    const heldFrom = receiver.requests.length;
    await waitUntil(() => receiver.requests.length >= heldFrom + 10, 10_000, "deliveries in flight");
    const fullAt = Date.now();
    const ballast = disk.fill();
    await waitUntil(() => load.count("refused") >= 20, 20_000, "the API to refuse messages while the disk is full");
    const firstRefusalMs = Date.now() - fullAt;
    const held = receiver.requests.length - heldFrom;
    release();
    hold = undefined;
    await sleep(2000);

    const clearedAt = Date.now();
    disk.clear();
    const sentBeforeClear = load.sent;
    const resumed = () => load.seqs("acked").some((seq) => seq >= sentBeforeClear);
    await waitUntil(resumed, 20_000, "the API to accept messages again after space was freed");
    const recoveryMs = Date.now() - clearedAt;
    await sleep(2000);
    await load.stop();

    const acked = load.seqs("acked");
    await waitUntil(
      () => ledger.missing(acked).length === 0,
      30_000,
      "every acknowledged message to be delivered",
    ).catch((error: Error) => {
      const lost = ledger.missing(acked);
      throw new Error(`${error.message}: ${lost.length} acknowledged messages lost\n${server.diagnostics()}`);
    });

    assert.equal(server.pid, pid);
    assert.equal(server.hasExited, false, "the server kept running through the full disk");
    const refused = load.seqs("refused").map((seq) => ({ seq, ...(load.outcomes.get(seq) as any) }));
    for (const r of refused) {
      assert.equal(r.status, 503, `refusals are 503, got ${r.status} ${r.body}`);
      const body = JSON.parse(r.body) as { code: string; detail: string };
      assert.equal(body.code, "store_unavailable", r.body);
      assert.match(body.detail, /SQLITE_FULL/, "the server saw SQLite's SQLITE_FULL");
      assert.match(r.retryAfter ?? "", /^[1-9]\d*$/, "Retry-After in seconds");
      assert.ok(load.sentAt[r.seq]! >= fullAt, "nothing was refused before the disk filled");
      assert.ok(!ledger.has(r.seq), `message ${r.seq} was refused with 503 but delivered: it had been stored`);
    }
    assert.deepEqual(load.seqs("no_answer"), [], "the server answered every POST");
    assert.deepEqual(load.seqs("down"), [], "the server never went down");

    // The full disk hit the worker too: attempts it could not record (their deliveries were sent
    // again once the lease expired: the only duplicates there may be) and claims that failed.
    const logged = (msg: string) => server.logs.filter((l) => l.msg === msg).length;
    const unrecorded = logged("delivery attempt could not be recorded");
    const failedClaims = logged("claiming due deliveries failed; retrying at the next tick");
    assert.ok(unrecorded > 0, "some attempts could not be recorded while the disk was full");
    assert.ok(ledger.duplicates <= unrecorded, `${ledger.duplicates} duplicates, ${unrecorded} unrecorded attempts`);
    reportScenario(t, {
      scenario: SCENARIO,
      store: "sqlite",
      seconds: Math.round(load.seconds),
      loadMsgPerS: Math.round(acked.length / load.seconds),
      faults: { disk_full: 1 },
      acknowledged: acked.length,
      delivered: acked.filter((s) => ledger.has(s)).length,
      lost: ledger.missing(acked).length,
      duplicates: ledger.duplicates,
      notes: [
        `${ballast >> 20} MB ballast`,
        `acked ${ackedBeforeFull} before full`,
        `first 503 after ${firstRefusalMs} ms`,
        `${refused.length} answered 503`,
        `accepting again ${recoveryMs} ms after space was freed`,
        `${held} answers held until the disk was full; ${unrecorded} attempts unrecorded, ${failedClaims} claims failed while full`,
      ],
    });
  },
);
