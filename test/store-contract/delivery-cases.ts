/** Contract cases: deliveries through their states (claim, lease, complete, re-arm) and what reads them. */
import assert from "node:assert/strict";
import { DeliveryStatus, TriggerType, type Endpoint, type Message } from "../../src/core/entities.ts";
import type { Store } from "../../src/store/store.ts";
import { attempt, byId, message, outcome, req, T0 } from "../support/store-fixtures.ts";
import { seedApp } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

/** `n` messages to every endpoint of one application (message i at T0 + 1000·(i+1)), with their deliveries. */
async function seedDeliveries(
  s: Store,
  n: number,
  endpointCount = 2,
  extra: (i: number) => Partial<Message> = () => ({}),
) {
  const { app, endpoints } = await seedApp(s, endpointCount);
  const msgs: Message[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + 1000 * (i + 1);
    const m = message(app.id, t, { id: fixedId("msg", t), ...extra(i) });
    const deliveries = endpoints.map((e, j) => ({
      id: fixedId("dlv", t, j),
      endpointId: e.id,
      leaseOwner: null,
      leaseUntil: null,
    }));
    await s.messages.insertWithDeliveries(m, deliveries);
    msgs.push(m);
  }
  return { app, endpoints: endpoints as [Endpoint, Endpoint, ...Endpoint[]], msgs };
}

const dlv = (i: number, j = 0) => fixedId("dlv", T0 + 1000 * (i + 1), j);

export const deliveryCases: StoreCase[] = [
  {
    name: "deliveries: claimDue leases due ones, oldest first, up to the limit, skipping endpoints and live leases",
    async run(s) {
      const { endpoints, msgs } = await seedDeliveries(s, 3);
      const [e0, e1] = endpoints;
      const now = T0 + 10_000;
      const first = await s.deliveries.claimDue("w1", now, now + 500, 2, [e1.id]);
      assert.deepEqual(
        first.map((d) => [d.id, d.endpointId, d.status, d.attemptCount, d.leaseUntil]),
        [
          [dlv(0), e0.id, DeliveryStatus.Pending, 0, now + 500],
          [dlv(1), e0.id, DeliveryStatus.Pending, 0, now + 500],
        ],
      );
      const second = byId(await s.deliveries.claimDue("w2", now, now + 500, 10, []));
      assert.deepEqual(
        second.map((d) => d.id),
        [dlv(0, 1), dlv(1, 1), dlv(2), dlv(2, 1)],
        "the leased ones are left",
      );
      assert.deepEqual(await s.deliveries.claimDue("w3", now, now + 500, 10, []), []);
      assert.equal((await s.deliveries.claimDue("w3", T0 + 1500, now, 10, [])).length, 0, "nothing due that early");
      const expired = byId(await s.deliveries.claimDue("w3", now + 500, now + 900, 10, []));
      assert.equal(expired.length, 6, "a lease that ran out is claimed again");
      assert.ok(expired.every((d) => msgs.some((m) => m.id === d.msgId)));
    },
  },
  {
    name: "deliveries: complete records the attempt and the new state, only for the lease owner; endpoint health goes along",
    async run(s) {
      const { app, endpoints, msgs } = await seedDeliveries(s, 3);
      const [e0, e1] = endpoints;
      const now = T0 + 10_000;
      await s.deliveries.claimDue("w1", now, now + 500, 10, [e1.id]);
      const tries = msgs.map((m, i) => attempt(m, e0.id, now + i, { id: fixedId("atmpt", now + i) }));
      await s.deliveries.complete(
        "w1",
        [
          outcome(dlv(0), { ...tries[0]!, status: DeliveryStatus.Success, responseStatusCode: 200 }),
          outcome(dlv(1), tries[1]!, {
            status: DeliveryStatus.Sending,
            nextAttemptAt: now + 60_000,
            endpointFailingSince: now - 1,
          }),
          outcome(dlv(2), tries[2]!, {
            status: DeliveryStatus.Fail,
            endpointFailingSince: now - 1,
            disableEndpoint: true,
          }),
        ],
        now + 5,
      );
      const state = async (m: Message) => {
        const d = await s.deliveries.get(app.id, m.id, e0.id);
        return d && [d.status, d.nextAttemptAt, d.attemptCount, d.nextTrigger, d.updatedAt];
      };
      assert.deepEqual(await state(msgs[0]!), [DeliveryStatus.Success, null, 1, TriggerType.Scheduled, now + 5]);
      assert.deepEqual(await state(msgs[1]!), [
        DeliveryStatus.Sending,
        now + 60_000,
        1,
        TriggerType.Scheduled,
        now + 5,
      ]);
      assert.deepEqual(await state(msgs[2]!), [DeliveryStatus.Fail, null, 1, TriggerType.Scheduled, now + 5]);
      assert.deepEqual(await s.attempts.get(app.id, msgs[1]!.id, tries[1]!.id), tries[1]);
      const health = await s.endpoints.get(app.id, e0.id);
      assert.deepEqual([health?.failingSince, health?.disabled, health?.updatedAt], [now - 1, true, now + 5]);
      // Another worker's outcome for a delivery it does not hold changes no state (its attempt is still kept).
      const stray = attempt(msgs[0]!, e1.id, now + 9, { id: fixedId("atmpt", now + 9) });
      await s.deliveries.complete("w2", [outcome(dlv(0, 1), stray, { status: DeliveryStatus.Fail })], now + 9);
      const untouched = await s.deliveries.get(app.id, msgs[0]!.id, e1.id);
      assert.deepEqual([untouched?.status, untouched?.attemptCount], [DeliveryStatus.Pending, 0]);
    },
  },
  {
    name: "deliveries: renewLeases and releaseLeases change only the owner's leases",
    async run(s) {
      await seedDeliveries(s, 2, 1);
      const now = T0 + 10_000;
      const held = await s.deliveries.claimDue("w1", now, now + 500, 10, []);
      assert.equal(held.length, 2);
      const refs = held.map((d) => ({ id: d.id, msgId: d.msgId }));
      await s.deliveries.renewLeases("w2", refs, now + 100_000);
      await s.deliveries.releaseLeases("w2", refs);
      assert.deepEqual(await s.deliveries.claimDue("w3", now + 400, now + 900, 10, []), [], "still w1's");
      await s.deliveries.renewLeases("w1", refs.slice(0, 1), now + 2000);
      await s.deliveries.releaseLeases("w1", refs.slice(1));
      assert.deepEqual(
        (await s.deliveries.claimDue("w3", now + 600, now + 9000, 10, [])).map((d) => d.id),
        [dlv(1)],
        "the released one at once; the renewed one not before its new end",
      );
      assert.deepEqual(
        (await s.deliveries.claimDue("w3", now + 2000, now + 3000, 10, [])).map((d) => d.id),
        [dlv(0)],
      );
    },
  },
  {
    name: "deliveries: resend, rearm, insertManual, recover and retryNow make deliveries due again as documented",
    async run(s) {
      const { app, endpoints, msgs } = await seedDeliveries(s, 4, 2);
      const [e0, e1] = endpoints;
      const now = T0 + 10_000;
      await s.deliveries.claimDue("w", now, now + 500, 10, [e1.id]);
      const result = (i: number, status: DeliveryStatus, nextAttemptAt: number | null = null) =>
        outcome(dlv(i), attempt(msgs[i]!, e0.id, now + i, { id: fixedId("atmpt", now + i) }), {
          status,
          nextAttemptAt,
        });
      await s.deliveries.complete(
        "w",
        [
          result(0, DeliveryStatus.Success),
          result(1, DeliveryStatus.Fail),
          result(2, DeliveryStatus.Fail),
          result(3, DeliveryStatus.Sending, now + 60_000),
        ],
        now,
      );
      const state = async (i: number, endpointId = e0.id) => {
        const d = await s.deliveries.get(app.id, msgs[i]!.id, endpointId);
        return d && [d.status, d.nextAttemptAt, d.nextTrigger];
      };
      // retryNow: only a delivery waiting for a retry.
      assert.equal(await s.deliveries.retryNow(app.id, e0.id, now + 1), 1);
      assert.deepEqual(await state(3), [DeliveryStatus.Sending, now + 1, TriggerType.Scheduled]);
      // resend: a success goes back to pending, a failure keeps its status until attempted.
      await s.deliveries.resend(app.id, msgs[0]!.id, e0.id, fixedId("dlv", now, 9), now + 2);
      assert.deepEqual(await state(0), [DeliveryStatus.Pending, now + 2, TriggerType.Manual]);
      await s.deliveries.resend(app.id, msgs[1]!.id, e0.id, fixedId("dlv", now, 10), now + 2);
      assert.deepEqual(await state(1), [DeliveryStatus.Fail, now + 2, TriggerType.Manual]);
      // recover: failed ones created in [since, until).
      assert.equal(await s.deliveries.recover(app.id, e0.id, T0 + 3000, T0 + 4000, now + 3), 1);
      assert.deepEqual(await state(2), [DeliveryStatus.Pending, now + 3, TriggerType.Manual]);
      assert.equal(await s.deliveries.recover(app.id, e0.id, T0, T0 + 3000, now + 3), 1, "the resent failure");
      // rearm: named deliveries of this endpoint only.
      const refs = [0, 1].map((i) => ({ id: dlv(i), msgId: msgs[i]!.id }));
      assert.equal(await s.deliveries.rearm(app.id, e1.id, refs, now + 4), 0);
      assert.equal(await s.deliveries.rearm(app.id, e0.id, refs, now + 4), 2);
      assert.deepEqual(await state(1), [DeliveryStatus.Pending, now + 4, TriggerType.Manual]);
      // insertManual: skips messages that have a delivery to the endpoint already.
      const other = await seedApp(s, 1, T0 + 50);
      const manual = [0, 1].map((i) => ({ id: fixedId("dlv", now + 5, i), msgId: msgs[i]!.id }));
      assert.equal(await s.deliveries.insertManual(app.id, e1.id, manual, now + 5), 0);
      await s.endpoints.insert({ ...other.endpoints[0]!, id: fixedId("ep", T0 + 60), appId: app.id });
      assert.equal(await s.deliveries.insertManual(app.id, fixedId("ep", T0 + 60), manual, now + 5), 2);
      const created = await s.deliveries.get(app.id, msgs[1]!.id, fixedId("ep", T0 + 60));
      assert.deepEqual(
        created && [created.id, created.status, created.attemptCount, created.nextAttemptAt, created.nextTrigger],
        [manual[1]!.id, DeliveryStatus.Pending, 0, now + 5, TriggerType.Manual],
      );
      // resend of a message with no delivery to the endpoint creates one.
      await s.deliveries.resend(app.id, msgs[2]!.id, fixedId("ep", T0 + 60), fixedId("dlv", now, 11), now + 6);
      assert.equal((await s.deliveries.get(app.id, msgs[2]!.id, fixedId("ep", T0 + 60)))?.id, fixedId("dlv", now, 11));
    },
  },
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
