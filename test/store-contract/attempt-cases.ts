/** Contract cases: attempts and the per-minute attempt stats written with them. */
import assert from "node:assert/strict";
import { DeliveryStatus, TriggerType } from "../../src/core/entities.ts";
import type { Store } from "../../src/store/store.ts";
import { attempt, message, outcome, req, T0 } from "../support/store-fixtures.ts";
import { seedApp } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

const MINUTE = 60_000;

export const attemptCases: StoreCase[] = [
  {
    name: "attempts: a record reads back equal (headers, nulls, error kind); filters; expunge",
    async run(s) {
      const { app, endpoints } = await seedApp(s, 2);
      const [e0, e1] = endpoints as [(typeof endpoints)[0], (typeof endpoints)[0]];
      const msgs = [0, 1, 2].map((i) =>
        message(app.id, T0 + 1000 * (i + 1), {
          id: fixedId("msg", T0 + 1000 * (i + 1)),
          eventType: i === 1 ? "b" : "a",
          channels: i === 1 ? ["odd"] : null,
          tags: i === 2 ? ["vip"] : null,
        }),
      );
      for (const m of msgs) await s.messages.insertWithDeliveries(m, []);
      const tries = [
        attempt(msgs[0]!, e0.id, T0 + 5000, {
          id: fixedId("atmpt", T0 + 5000),
          status: DeliveryStatus.Success,
          responseStatusCode: 200,
          errorKind: null,
          response: '{"ok":true}',
        }),
        attempt(msgs[1]!, e0.id, T0 + 6000, {
          id: fixedId("atmpt", T0 + 6000),
          responseStatusCode: 0,
          errorKind: "timeout",
          response: null,
          responseHeaders: null,
          triggerType: TriggerType.Manual,
        }),
        attempt(msgs[2]!, e0.id, T0 + 7000, { id: fixedId("atmpt", T0 + 7000), responseStatusCode: 503 }),
        attempt(msgs[2]!, e1.id, T0 + 8000, {
          id: fixedId("atmpt", T0 + 8000),
          status: DeliveryStatus.Canceled,
          responseStatusCode: 0,
          errorKind: "filtered",
        }),
      ];
      for (const a of tries) await s.attempts.insert(a);
      for (const a of tries) assert.deepEqual(await s.attempts.get(app.id, a.msgId, a.id), a);
      assert.equal(await s.attempts.get(app.id, msgs[0]!.id, tries[1]!.id), undefined, "under its own message only");
      const byEndpoint = async (filter: Parameters<Store["attempts"]["listByEndpoint"]>[2]) =>
        (await s.attempts.listByEndpoint(app.id, e0.id, filter, req(10))).data.map((a) => a.id);
      const ids = (...is: number[]) => is.map((i) => tries[i]!.id);
      assert.deepEqual(await byEndpoint({}), ids(0, 1, 2));
      assert.deepEqual(await byEndpoint({ status: DeliveryStatus.Fail }), ids(1, 2));
      assert.deepEqual(await byEndpoint({ statusCodeClass: 0 }), ids(1));
      assert.deepEqual(await byEndpoint({ statusCodeClass: 200 }), ids(0));
      assert.deepEqual(await byEndpoint({ statusCodeClass: 500 }), ids(2));
      assert.deepEqual(await byEndpoint({ channel: "odd" }), ids(1));
      assert.deepEqual(await byEndpoint({ tag: "vip" }), ids(2));
      assert.deepEqual(await byEndpoint({ eventTypes: ["a"], after: T0 + 5000 }), ids(2));
      assert.deepEqual(await byEndpoint({ before: T0 + 6000 }), ids(0));
      const page = await s.attempts.listByEndpoint(app.id, e0.id, {}, req(2, "descending"));
      assert.deepEqual([page.data.map((a) => a.id), page.done], [ids(2, 1), false]);
      const byMessage = async (filter: Parameters<Store["attempts"]["listByMessage"]>[2]) =>
        (await s.attempts.listByMessage(app.id, msgs[2]!.id, filter, req(10))).data.map((a) => a.id);
      assert.deepEqual(await byMessage({}), ids(2, 3));
      assert.deepEqual(await byMessage({ endpointId: e1.id }), ids(3));
      assert.deepEqual(await byMessage({ status: DeliveryStatus.Canceled }), ids(3));
      await s.attempts.expungeContent(app.id, msgs[0]!.id, tries[0]!.id);
      assert.deepEqual(await s.attempts.get(app.id, msgs[0]!.id, tries[0]!.id), {
        ...tries[0],
        response: null,
        responseHeaders: null,
      });
    },
  },
  {
    name: "attempt stats: completed attempts are counted per minute and per endpoint",
    async run(s) {
      const { app, endpoints } = await seedApp(s, 2);
      const [e0, e1] = endpoints as [(typeof endpoints)[0], (typeof endpoints)[0]];
      // Ranges and buckets are multiples of their width (AttemptStatsQuery): this base is one of two minutes.
      const base = T0 - (T0 % (2 * MINUTE));
      const times = [base + 1000, base + 2000, base + MINUTE + 5, base + 3 * MINUTE];
      for (const [i, t] of times.entries()) {
        const m = message(app.id, t, { id: fixedId("msg", t) });
        await s.messages.insertWithDeliveries(m, [
          { id: fixedId("dlv", t), endpointId: i === 3 ? e1.id : e0.id, leaseOwner: "w", leaseUntil: t + 1000 },
        ]);
        const a = attempt(m, i === 3 ? e1.id : e0.id, t + 10, {
          id: fixedId("atmpt", t + 10),
          status: i === 1 ? DeliveryStatus.Fail : DeliveryStatus.Success,
          responseStatusCode: i === 1 ? 500 : 200,
          responseDurationMs: 40 * (i + 1),
        });
        await s.deliveries.complete("w", [outcome(fixedId("dlv", t), a)], t + 10);
      }
      const series = await s.attemptStats.series({
        appId: app.id,
        endpointId: e0.id,
        since: base,
        until: base + 4 * MINUTE,
        widthMs: MINUTE,
      });
      assert.deepEqual(
        series.map((b) => [b.bucketStart, b.durMax]),
        [
          [base, 80],
          [base + MINUTE, 120],
        ],
      );
      const wide = await s.attemptStats.series({
        appId: null,
        endpointId: null,
        since: base,
        until: base + 4 * MINUTE,
        widthMs: 2 * MINUTE,
      });
      assert.deepEqual(
        wide.map((b) => [b.bucketStart, b.durMax]),
        [
          [base, 120],
          [base + 2 * MINUTE, 160],
        ],
      );
      assert.deepEqual(
        wide[0]!.cells.reduce((a, b) => a + b, 0),
        series.flatMap((b) => b.cells).reduce((a, b) => a + b, 0),
        "the wide bucket sums its minutes",
      );
      const totals = await s.attemptStats.byEndpoint({ appId: app.id, since: base, until: base + 4 * MINUTE });
      assert.deepEqual(
        [...totals].sort((a, b) => (a.endpointId < b.endpointId ? -1 : 1)),
        [
          { appId: app.id, endpointId: e0.id, total: 3, success: 2, canceled: 0 },
          { appId: app.id, endpointId: e1.id, total: 1, success: 1, canceled: 0 },
        ],
      );
      assert.deepEqual(await s.attemptStats.byEndpoint({ appId: null, since: base, until: base + MINUTE }), [
        { appId: app.id, endpointId: e0.id, total: 2, success: 1, canceled: 0 },
      ]);
    },
  },
];
