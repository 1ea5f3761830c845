/** Contract cases: deliveries through their states (claim, lease, complete, re-arm). */
import assert from "node:assert/strict";
import { DeliveryStatus, TriggerType, type Message } from "../../src/core/entities.ts";
import { attempt, byId, outcome, T0 } from "../support/store-fixtures.ts";
import { dlv, seedApp, seedDeliveries } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

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
];
