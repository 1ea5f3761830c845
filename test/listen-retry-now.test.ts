import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, attempts, destination, sendMessage } from "./support/setup.ts";

/**
 * `store.deliveries.retryNow`, which a resumed `hookline listen` session calls: what waits for a
 * retry becomes due now, and nothing else moves (a message scheduled for later, other endpoints).
 * Time is a manual clock, so "due" is exact.
 */
describe("deliveries.retryNow (a listen session comes back)", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.now());

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "600" }, { clock, pollIntervalMs: 3_600_000 });
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("makes the endpoint's retries due now, and leaves scheduled messages and other endpoints alone", async () => {
    receiver.respond(() => ({ status: 503 }));
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/down`);
    const other = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/other` });
    assert.equal(other.status, 201, other.text);

    const failing = await sendMessage(h, appId);
    await h.dispatcher.idle();
    assert.equal((await attempts(h, appId, failing)).length, 2, "one failed attempt per endpoint");
    const later = await sendMessage(h, appId, { deliverAt: new Date(clock.now() + 3_600_000).toISOString() });
    await h.dispatcher.idle();

    const retryAt = (msgId: string, ep: string) =>
      destination(h, appId, msgId, ep).then((d) => (d.nextAttempt ? Date.parse(d.nextAttempt) : null));
    assert.ok((await retryAt(failing, endpointId))! > clock.now() + 400_000, "the retry waits ~10 minutes");

    clock.advance(1_000);
    assert.equal(await h.ctx.store.deliveries.retryNow(appId, endpointId, clock.now()), 1);
    assert.equal(await retryAt(failing, endpointId), clock.now(), "due now");
    assert.ok((await retryAt(failing, other.body.id))! > clock.now() + 400_000, "another endpoint's retry waits");
    assert.equal(
      await retryAt(later, endpointId),
      clock.now() - 1_000 + 3_600_000,
      "a scheduled message keeps its time",
    );

    receiver.respond(() => ({ status: 200 }));
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
    const log = await attempts(h, appId, failing);
    assert.deepEqual(
      log.filter((a) => a.url.endsWith("/down")).map((a) => a.responseStatusCode),
      [503, 200],
    );
  });
});
