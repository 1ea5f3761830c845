/**
 * Work that overflowed the worker into the store is claimed as soon as room frees up, not at the
 * next periodic poll. The periodic poll is set to an hour here, so the backlog drains only if
 * every "room freed" signal leads to a claim: one requested while a claim runs must run after
 * it, and one requested too soon after the last must run when its turn comes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

describe("a backlog beyond the worker's room", () => {
  let h: TestHookline;
  let receiver: Receiver;
  before(async () => {
    receiver = await Receiver.start();
    receiver.respond(() => ({ status: 200 }));
    // A lane holds at most 4 and the worker 8: nearly all of the 60 messages wait in the store.
    h = await startTestHookline(
      { HOOKLINE_WORKER_CONCURRENCY: "2", HOOKLINE_ENDPOINT_CONCURRENCY: "1" },
      { pollIntervalMs: 3_600_000 },
    );
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("drains without the periodic poll, in bursts and one at a time", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/hook`);
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => sendMessage(h, appId, { payload: { i } })));
    await receiver.waitFor(40, 60_000);
    // Then a trickle: each message arrives while the previous one may still be settling.
    for (let i = 0; i < 20; i++) {
      ids.push(await sendMessage(h, appId, { payload: { trickle: i } }));
      await new Promise((r) => setTimeout(r, 2));
    }
    await receiver.waitFor(60, 60_000);
    const delivered = new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { i?: number }).i ?? r.body));
    assert.equal(receiver.requests.length, 60, "each message once");
    assert.equal(delivered.size, 60);
  });
});
