import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";

/**
 * The public ingest URL's rate limit (HOOKLINE_INGEST_RATE_LIMIT, per source): requests past it get
 * 429 with Retry-After and leave nothing behind, other sources are unaffected, and the bucket
 * refills with the (injected) clock.
 */
describe("inbound rate limit", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.now());

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({ HOOKLINE_INGEST_RATE_LIMIT: "3" }, { clock, pollIntervalMs: 3_600_000 });
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  async function source(name: string) {
    const created = await h.api("POST", "/ingest/api/v1/source", { name, type: "generic-webhook", config: {} });
    assert.equal(created.status, 201, created.text);
    const dest = await h.api("POST", `/ingest/api/v1/source/${created.body.id}/endpoint`, {
      url: `${receiver.url}/${name}`,
    });
    assert.equal(dest.status, 201, dest.text);
    return created.body as { id: string; ingestUrl: string };
  }
  const post = (url: string, n: number) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n }) });
  const logOf = async (sourceId: string) =>
    (await h.api("GET", `/ingest/api/v1/source/${sourceId}/log`)).body.data as unknown[];

  it("refuses requests past the limit with 429 and Retry-After, storing and forwarding nothing of them", async () => {
    const busy = await source("busy");
    const quiet = await source("quiet");
    const statuses: number[] = [];
    for (let n = 0; n < 5; n++) {
      const res = await post(busy.ingestUrl, n);
      statuses.push(res.status);
      if (res.status === 429) {
        assert.equal(res.headers.get("retry-after"), "1");
        assert.equal(((await res.json()) as { code: string }).code, "rate_limited");
      } else await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429], "a burst of one second's worth, then refused");
    assert.equal((await post(quiet.ingestUrl, 0)).status, 200, "another source has its own bucket");

    await h.dispatcher.idle();
    assert.equal((await logOf(busy.id)).length, 3, "refused requests leave no log entry");
    assert.deepEqual(
      receiver.requests.filter((r) => r.path === "/busy").map((r) => JSON.parse(r.body).n),
      [0, 1, 2],
    );

    // A wrong token is a 404 and does not use up the source's bucket.
    clock.advance(1000);
    assert.equal((await post(busy.ingestUrl.replace(/[^/]+$/, "x".repeat(32)), 9)).status, 404);
    const refilled: number[] = [];
    for (let n = 5; n < 9; n++) refilled.push((await post(busy.ingestUrl, n)).status);
    assert.deepEqual(refilled, [200, 200, 200, 429], "a second later the bucket is full again");
  });

  it("caps the rate it consents to in the CloudEvents handshake at the limit (per minute)", async () => {
    const s = await source("handshake");
    const ask = async (rate?: string) => {
      const res = await fetch(s.ingestUrl, {
        method: "OPTIONS",
        headers: { "webhook-request-origin": "sender.example", ...(rate ? { "webhook-request-rate": rate } : {}) },
      });
      assert.equal(res.status, 200);
      return res.headers.get("webhook-allowed-rate");
    };
    assert.equal(await ask("120"), "120");
    assert.equal(await ask("100000"), "180");
    assert.equal(await ask(), "180");
  });
});
