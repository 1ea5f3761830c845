/**
 * Attempts that finish together are recorded with one write; one outcome that cannot be recorded
 * must not take the others down with it. Runs on whichever store the test leg uses.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeliveryStatus, TriggerType, type Attempt, type Message } from "../src/core/entities.ts";
import { idFloorAt, newId } from "../src/core/ids.ts";
import { CompletionBatcher } from "../src/delivery/completion-batcher.ts";
import type { DeliveryOutcome, Store } from "../src/store/store.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { endpoint as storeEndpoint } from "./support/store-fixtures.ts";

const OWNER = "wrk_completion_test";

describe("batched completions", () => {
  let h: TestHookline;
  let store: Store;
  before(async () => {
    // Its own worker leaves the rows alone: they are leased to OWNER for a minute.
    h = await startTestHookline();
    store = h.ctx.store;
  });
  after(() => h.close());

  async function leasedDeliveries(n: number) {
    const now = Date.now();
    const app = { id: newId("app", now), uid: null, name: "a", throttleRate: null, metadata: {} };
    await store.applications.insert({ ...app, createdAt: now, updatedAt: now });
    const endpoint = storeEndpoint(app.id, now, { headers: {} });
    await store.endpoints.insert(endpoint);
    const out: { message: Message; deliveryId: string }[] = [];
    for (let i = 0; i < n; i++) {
      const message: Message = {
        id: newId("msg", now),
        appId: app.id,
        eventType: "t",
        eventId: null,
        payload: "{}",
        channels: null,
        tags: null,
        inbound: null,
        createdAt: now,
        payloadExpiresAt: null,
      };
      const deliveryId = newId("dlv", now);
      await store.messages.insertWithDeliveries(message, [
        { id: deliveryId, endpointId: endpoint.id, leaseOwner: OWNER, leaseUntil: now + 60_000 },
      ]);
      out.push({ message, deliveryId });
    }
    return { endpoint, deliveries: out };
  }

  const outcomeFor = (m: Message, endpointId: string, deliveryId: string): DeliveryOutcome => {
    const attempt: Attempt = {
      id: newId("atmpt", Date.now()),
      appId: m.appId,
      msgId: m.id,
      endpointId,
      url: "https://example.test/hook",
      status: DeliveryStatus.Success,
      responseStatusCode: 200,
      response: "ok",
      responseDurationMs: 1,
      triggerType: TriggerType.Scheduled,
      errorKind: null,
      requestHeaders: {},
      responseHeaders: null,
      createdAt: Date.now(),
    };
    return {
      deliveryId,
      attempt,
      status: DeliveryStatus.Success,
      nextAttemptAt: null,
      endpointFailingSince: null,
      disableEndpoint: false,
    };
  };

  it("records the rest of a batch when one outcome cannot be recorded", async () => {
    const { endpoint, deliveries } = await leasedDeliveries(3);
    const batcher = new CompletionBatcher(store.deliveries, OWNER);
    const outcomes = deliveries.map((d) => outcomeFor(d.message, endpoint.id, d.deliveryId));
    // The middle attempt names a message that does not exist, from the year 2000: SQLite's foreign
    // key refuses its attempt row, and PostgreSQL has no partition of the history for that time.
    outcomes[1]!.attempt.msgId = idFloorAt("msg", Date.UTC(2000, 0, 1));
    const now = Date.now();
    const results = await Promise.allSettled(outcomes.map((o) => batcher.complete(o, now)));
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    for (const [i, d] of deliveries.entries()) {
      const row = await store.deliveries.get(d.message.appId, d.message.id, endpoint.id);
      const expected = i === 1 ? DeliveryStatus.Pending : DeliveryStatus.Success;
      assert.equal(row?.status, expected, `delivery ${i}`);
      assert.equal(row?.nextAttemptAt === null, i !== 1, `delivery ${i} settled only if recorded`);
    }
  });

  it("answers every caller of a batch that succeeds whole", async () => {
    const { endpoint, deliveries } = await leasedDeliveries(5);
    const batcher = new CompletionBatcher(store.deliveries, OWNER);
    const now = Date.now();
    await Promise.all(deliveries.map((d) => batcher.complete(outcomeFor(d.message, endpoint.id, d.deliveryId), now)));
    for (const d of deliveries) {
      const row = await store.deliveries.get(d.message.appId, d.message.id, endpoint.id);
      assert.equal(row?.status, DeliveryStatus.Success);
    }
  });
});
