import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { emitDueCronEvents, latestRun } from "../src/inbound/cron-emitter.ts";
import { servicesOf } from "../src/main/services.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";

const at = (iso: string) => Date.parse(`2026-03-01T${iso}Z`);

describe("cron sources", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(at("00:02:00"));

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({}, { clock, pollIntervalMs: 3_600_000 });
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  /** A cron source with one destination at `path`; returns the source as the API shows it. */
  async function cronSource(config: Record<string, unknown>, path: string) {
    const source = await h.api("POST", "/ingest/api/v1/source", { name: "every five minutes", type: "cron", config });
    assert.equal(source.status, 201, source.text);
    const dest = await h.api("POST", `/ingest/api/v1/source/${source.body.id}/endpoint`, {
      url: `${receiver.url}${path}`,
    });
    assert.equal(dest.status, 201, dest.text);
    return source.body;
  }

  /** Moves the clock to `iso` and runs the cluster job's pass, as the housekeeping tick would. */
  async function passAt(iso: string) {
    clock.set(at(iso));
    await emitDueCronEvents(servicesOf(h.ctx).inbound, clock.now());
    await h.dispatcher.idle();
  }
  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);

  it("refuses a schedule that is not a five-field cron expression, and a config without a payload", async () => {
    for (const [config, problem] of [
      [{ schedule: "every day", payload: "{}" }, /config\.schedule/],
      [{ schedule: "61 * * * *", payload: "{}" }, /config\.schedule is not a valid cron expression/],
      [{ schedule: "* * * * * *", payload: "{}" }, /five fields/],
      [{ schedule: "*/5 * * * *" }, /config\.payload is required/],
      [{ schedule: "*/5 * * * *", payload: "{}", contentType: "not a type" }, /config\.contentType/],
    ] as const) {
      const res = await h.api("POST", "/ingest/api/v1/source", { name: "bad", type: "cron", config });
      assert.equal(res.status, 422, JSON.stringify(config));
      assert.match(res.text, problem);
    }
  });

  it("emits its payload to its destinations at each run, once per run, and skips runs missed long ago", async () => {
    receiver.respond(() => ({ status: 200 }));
    const source = await cronSource({ schedule: "*/5 * * * *", payload: '{"tick":true}' }, "/tick");
    assert.deepEqual(source.config, { schedule: "*/5 * * * *", payload: '{"tick":true}', contentType: null });

    await passAt("00:04:59");
    assert.equal(arrivals("/tick").length, 0, "not before its first run");
    await passAt("00:05:03");
    assert.equal(arrivals("/tick").length, 1);
    const [first] = arrivals("/tick");
    assert.equal(first!.body, '{"tick":true}');
    assert.equal(first!.headers["content-type"], "application/json");
    assert.ok(first!.headers["webhook-signature"], "signed for the destination like any inbound event");

    await passAt("00:05:13");
    await passAt("00:09:59");
    assert.equal(arrivals("/tick").length, 1, "the 00:05 run is emitted once, however many passes see it");
    await passAt("00:10:01");
    assert.equal(arrivals("/tick").length, 2);

    // Down for an hour: the twelve runs missed are not sent in a burst; the latest, 5 minutes late at most, is.
    await passAt("01:10:30");
    assert.equal(arrivals("/tick").length, 3);
    const log = (await h.api("GET", `/ingest/api/v1/source/${source.id}/log`)).body.data;
    assert.equal(log.filter((e: { outcome: string }) => e.outcome === "accepted").length, 3);
  });

  it("sends the configured content type, and its ingest URL refuses every request", async () => {
    receiver.respond(() => ({ status: 200 }));
    const source = await cronSource({ schedule: "0 * * * *", payload: "ping", contentType: "text/plain" }, "/text");
    await passAt("02:00:05");
    const [sent] = arrivals("/text");
    assert.equal(sent!.body, "ping");
    assert.equal(sent!.headers["content-type"], "text/plain");

    const posted = await fetch(source.ingestUrl, { method: "POST", body: "{}" });
    assert.equal(posted.status, 401);
    const log = (await h.api("GET", `/ingest/api/v1/source/${source.id}/log`)).body.data;
    assert.equal(log[0].outcome, "refused");
  });

  it("is emitted by the server's own cluster job, without anyone calling it", async () => {
    receiver.respond(() => ({ status: 200 }));
    await cronSource({ schedule: "0 3 * * *", payload: '{"job":"nightly"}' }, "/nightly");
    // The housekeeping tick comes every 10 s of real time; a job first seen by it is due one
    // interval (10 s) later on the test's clock, so the clock moves on while the test waits.
    clock.set(at("03:00:01"));
    for (let waited = 0; arrivals("/nightly").length === 0 && waited < 40; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      clock.advance(5_000);
    }
    await h.dispatcher.idle();
    assert.equal(arrivals("/nightly").length, 1);
    assert.equal(arrivals("/nightly")[0]!.body, '{"job":"nightly"}');
  });

  it("finds the latest run in a window, and none before the window", () => {
    assert.equal(latestRun("*/5 * * * *", at("00:00:00"), at("00:14:59")), at("00:10:00"));
    assert.equal(latestRun("*/5 * * * *", at("00:10:00"), at("00:10:00")), at("00:10:00"), "inclusive at both ends");
    assert.equal(latestRun("*/5 * * * *", at("00:10:01"), at("00:14:59")), null);
    assert.equal(latestRun("30 2 * * *", at("00:00:00"), at("23:59:59")), at("02:30:00"), "UTC");
  });
});
