/** Contract cases: what reads deliveries (backlog counts, listings, stats, scans) and ordered delivery. */
import assert from "node:assert/strict";
import { DeliveryStatus } from "../../src/core/entities.ts";
import type { Store } from "../../src/store/store.ts";
import { attempt, message, outcome, req, T0 } from "../support/store-fixtures.ts";
import { dlv, seedApp, seedDeliveries } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

export const deliveryReadCases: StoreCase[] = [
  {
    name: "deliveries: countDue, countPending and queueStats count the backlog, by instance, application and endpoint",
    async run(s) {
      const { app, endpoints } = await seedDeliveries(s, 4, 2, (i) => (i === 3 ? { deliverAt: T0 + 60_000 } : {}));
      const [e0, e1] = endpoints;
      const other = await seedApp(s, 0, T0 + 500);
      assert.equal(await s.deliveries.countDue(e0.id, T0 + 10_000, 100), 3);
      assert.equal(await s.deliveries.countDue(e0.id, T0 + 10_000, 2), 2, "capped");
      assert.equal(await s.deliveries.countDue(e0.id, T0 + 2500, 100), 2);
      assert.equal(await s.deliveries.countPending(), 8);
      const now = T0 + 10_000;
      assert.deepEqual(await s.deliveries.queueStats(now), { due: 6, scheduled: 2, oldestDueAt: T0 + 1000 });
      assert.deepEqual(await s.deliveries.queueStats(now, { appId: app.id }), {
        due: 6,
        scheduled: 2,
        oldestDueAt: T0 + 1000,
      });
      assert.deepEqual(await s.deliveries.queueStats(now, { appId: other.app.id }), {
        due: 0,
        scheduled: 0,
        oldestDueAt: null,
      });
      const claimed = await s.deliveries.claimDue("w", now, now + 500, 10, [e1.id]);
      await s.deliveries.complete(
        "w",
        claimed.map((d) => {
          const m = message(app.id, d.createdAt, { id: d.msgId });
          return outcome(d.id, attempt(m, d.endpointId, now, { id: fixedId("atmpt", d.createdAt) }));
        }),
        now,
      );
      assert.equal(await s.deliveries.countDue(e0.id, now, 100), 0, "settled ones are not due");
      assert.deepEqual(await s.deliveries.queueStats(now, { appId: app.id, endpointId: e0.id }), {
        due: 0,
        scheduled: 1,
        oldestDueAt: T0 + 60_000,
      });
      assert.equal(await s.deliveries.countPending(), 5);
    },
  },
  {
    name: "deliveries: listByMessage, listByEndpoint with filters, stats, scanEndpoint",
    async run(s) {
      const { app, endpoints, msgs } = await seedDeliveries(s, 4, 2, (i) => ({
        eventType: i % 2 ? "b" : "a",
        channels: i % 2 ? ["odd"] : null,
        tags: i === 2 ? ["vip"] : null,
      }));
      const [e0, e1] = endpoints;
      const now = T0 + 10_000;
      await s.deliveries.claimDue("w", now, now + 500, 10, [e1.id]);
      const codes = [200, 0, 503];
      await s.deliveries.complete(
        "w",
        [0, 1, 2].map((i) =>
          outcome(
            dlv(i),
            attempt(msgs[i]!, e0.id, now + i, { id: fixedId("atmpt", now + i), responseStatusCode: codes[i]! }),
            {
              status: i === 0 ? DeliveryStatus.Success : DeliveryStatus.Fail,
            },
          ),
        ),
        now,
      );
      const byMessage = await s.deliveries.listByMessage(app.id, msgs[0]!.id, req(1));
      assert.deepEqual([byMessage.data.map((d) => d.endpointId), byMessage.done], [[e0.id], false]);
      const list = async (
        filter: Parameters<Store["deliveries"]["listByEndpoint"]>[2],
        order: "ascending" | "descending" = "ascending",
      ) => (await s.deliveries.listByEndpoint(app.id, e0.id, filter, req(10, order))).data.map((d) => d.msgId);
      const ids = (...is: number[]) => is.map((i) => msgs[i]!.id);
      assert.deepEqual(await list({}), ids(0, 1, 2, 3));
      assert.deepEqual(await list({}, "descending"), ids(3, 2, 1, 0));
      assert.deepEqual(await list({ status: DeliveryStatus.Fail }), ids(1, 2));
      assert.deepEqual(await list({ channel: "odd" }), ids(1, 3));
      assert.deepEqual(await list({ tag: "vip" }), ids(2));
      assert.deepEqual(await list({ eventTypes: ["b"], before: T0 + 4000 }), ids(1));
      assert.deepEqual(await list({ after: T0 + 2000 }), ids(2, 3));
      assert.deepEqual(await s.deliveries.stats(app.id, e0.id, {}), {
        success: 1,
        pending: 1,
        sending: 0,
        fail: 2,
        canceled: 0,
      });
      assert.deepEqual(await s.deliveries.stats(app.id, e0.id, { after: T0 + 1000, before: T0 + 4000 }), {
        success: 0,
        pending: 0,
        sending: 0,
        fail: 2,
        canceled: 0,
      });
      assert.deepEqual(await s.deliveries.scanEndpoint(app.id, e0.id, { after: msgs[0]!.id, before: "msg_~" }, 2), [
        {
          id: dlv(1),
          msgId: msgs[1]!.id,
          status: DeliveryStatus.Fail,
          eventType: "b",
          channels: ["odd"],
          tags: null,
          lastStatusCode: 0,
        },
        {
          id: dlv(2),
          msgId: msgs[2]!.id,
          status: DeliveryStatus.Fail,
          eventType: "a",
          channels: null,
          tags: ["vip"],
          lastStatusCode: 503,
        },
      ]);
      assert.equal(
        (await s.deliveries.scanEndpoint(app.id, e0.id, { after: "", before: "msg_~" }, 10))[3]?.lastStatusCode,
        null,
      );
    },
  },
  {
    name: "deliveries: ordered endpoints: oldestUnsettled, park, promoteNext (a scheduled message waits for its time)",
    async run(s) {
      const { app, endpoints, msgs } = await seedDeliveries(s, 3, 1, (i) =>
        i === 1 ? { deliverAt: T0 + 90_000 } : {},
      );
      const [e0] = endpoints;
      const now = T0 + 10_000;
      assert.equal((await s.deliveries.oldestUnsettled(app.id, e0.id))?.id, dlv(0));
      const claimed = await s.deliveries.claimDue("w", now, now + 500, 10, []);
      assert.deepEqual(
        claimed.map((d) => d.id),
        [dlv(0), dlv(2)],
      );
      await s.deliveries.park("w", dlv(2), now + 50_000);
      await s.deliveries.park("other", dlv(0), now + 50_000);
      assert.equal((await s.deliveries.get(app.id, msgs[2]!.id, e0.id))?.nextAttemptAt, now + 50_000);
      assert.equal((await s.deliveries.get(app.id, msgs[0]!.id, e0.id))?.nextAttemptAt, T0 + 1000, "not w's to park");
      await s.deliveries.complete(
        "w",
        [outcome(dlv(0), attempt(msgs[0]!, e0.id, now, { id: fixedId("atmpt", now) }))],
        now,
      );
      assert.equal((await s.deliveries.oldestUnsettled(app.id, e0.id))?.id, dlv(1));
      await s.deliveries.promoteNext(app.id, e0.id, now + 1);
      assert.equal((await s.deliveries.get(app.id, msgs[1]!.id, e0.id))?.nextAttemptAt, T0 + 90_000, "scheduled later");
      await s.deliveries.resend(app.id, msgs[1]!.id, e0.id, fixedId("dlv", now, 5), now + 2);
      await s.deliveries.complete(
        "w",
        [outcome(dlv(1), attempt(msgs[1]!, e0.id, now + 3, { id: fixedId("atmpt", now + 3) }))],
        now + 3,
      );
      assert.equal(
        (await s.deliveries.get(app.id, msgs[1]!.id, e0.id))?.status,
        DeliveryStatus.Pending,
        "not w's lease",
      );
      await s.deliveries.claimDue("w", now + 2, now + 500, 10, []);
      await s.deliveries.complete(
        "w",
        [outcome(dlv(1), attempt(msgs[1]!, e0.id, now + 4, { id: fixedId("atmpt", now + 4) }))],
        now + 4,
      );
      assert.equal((await s.deliveries.oldestUnsettled(app.id, e0.id))?.id, dlv(2));
      await s.deliveries.promoteNext(app.id, e0.id, now + 5);
      assert.equal((await s.deliveries.get(app.id, msgs[2]!.id, e0.id))?.nextAttemptAt, now + 5, "its turn came");
    },
  },
];
