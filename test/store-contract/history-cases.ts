/** Contract cases: polling endpoints' streams, consumers and tokens; retention; deleting an application. */
import assert from "node:assert/strict";
import { DeliveryStatus } from "../../src/core/entities.ts";
import type { Message } from "../../src/core/entities.ts";
import { retentionForStore } from "../../src/main/retention-for-store.ts";
import type { Store } from "../../src/store/store.ts";
import { attempt, message, outcome, T0 } from "../support/store-fixtures.ts";
import { apiToken, seedApp } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

/**
 * One retention pass as the runner drives it (src/retention/), with the strategy of the store's
 * dialect: every step in batches of two until one comes back short. Returns what was removed
 * wholesale and the rows changed by each step both dialects have.
 */
async function retentionPass(s: Store, now: number, cutoff: number) {
  const pass = await retentionForStore(s).beginPass(now, cutoff, { pause: async () => {} });
  const changed = new Map<string, number>();
  try {
    for (const step of pass.steps) {
      for (let i = 0; i < 100; i++) {
        const batch = await step.batch(2);
        changed.set(step.name, (changed.get(step.name) ?? 0) + batch.changed);
        if (batch.changed < 2) break;
      }
    }
  } finally {
    await pass.end();
  }
  return {
    removed: pass.removed,
    payloads: changed.get("expirePayloads"),
    attempts: changed.get("deleteAttemptsBefore"),
    messages: changed.get("deleteMessagesBefore"),
  };
}

const at = (appId: string, t: number, extra: Partial<Message> = {}) =>
  message(appId, t, { id: fixedId("msg", t), ...extra });

export const historyCases: StoreCase[] = [
  {
    name: "pollers: the stream reads in message order by range, type and channel; offsets find their message",
    async run(s: Store) {
      const { app, endpoints } = await seedApp(s, 2);
      const [poller, pushed] = endpoints as [(typeof endpoints)[0], (typeof endpoints)[0]];
      const msgs = [0, 1, 2, 3].map((i) =>
        at(app.id, T0 + 1000 * (i + 1), { eventType: i % 2 ? "b" : "a", channels: i === 2 ? ["eu"] : null }),
      );
      for (const m of msgs)
        await s.messages.insertWithDeliveries(m, [
          { id: fixedId("dlv", m.createdAt), endpointId: poller.id, leaseOwner: null, leaseUntil: null, stream: true },
          { id: fixedId("dlv", m.createdAt, 1), endpointId: pushed.id, leaseOwner: null, leaseUntil: null },
        ]);
      const read = (q: Partial<Parameters<Store["pollers"]["read"]>[2]>) =>
        s.pollers.read(app.id, poller.id, { after: "", before: msgs[3]!.id, limit: 10, ...q });
      const all = await read({});
      assert.deepEqual(
        all.map((e) => e.message),
        msgs.slice(0, 3),
        "before the horizon only",
      );
      assert.deepEqual(
        (await read({ after: msgs[0]!.id, limit: 1 })).map((e) => e.message.id),
        [msgs[1]!.id],
      );
      assert.deepEqual(
        (await read({ eventType: "a" })).map((e) => e.message.id),
        [msgs[0]!.id, msgs[2]!.id],
      );
      assert.deepEqual(
        (await read({ channel: "eu" })).map((e) => e.message.id),
        [msgs[2]!.id],
      );
      assert.deepEqual(await s.pollers.read(app.id, pushed.id, { after: "", before: "msg_~", limit: 10 }), []);
      assert.equal(await s.pollers.positionOf(app.id, poller.id, all[1]!.offset), msgs[1]!.id);
      assert.equal(await s.pollers.positionOf(app.id, pushed.id, all[1]!.offset), undefined);
      assert.equal(await s.deliveries.countPending(), 4, "stream entries are never due");
    },
  },
  {
    name: "pollers: consumers move forward only, a commit that covers the lease ends it; one token per endpoint, rotation revokes",
    async run(s: Store) {
      const { app, endpoints } = await seedApp(s, 1);
      const e = endpoints[0]!;
      assert.equal(await s.pollers.getConsumer(app.id, e.id, "c"), undefined);
      await s.pollers.commit(app.id, e.id, "c", "msg_b", T0);
      assert.deepEqual(await s.pollers.getConsumer(app.id, e.id, "c"), {
        position: "msg_b",
        leasedPosition: null,
        leaseUntil: null,
      });
      await s.pollers.putConsumer(
        app.id,
        e.id,
        "c",
        { position: "msg_b", leasedPosition: "msg_f", leaseUntil: T0 + 30_000 },
        T0 + 1,
      );
      await s.pollers.commit(app.id, e.id, "c", "msg_a", T0 + 2);
      await s.pollers.commit(app.id, e.id, "c", "msg_d", T0 + 3);
      assert.deepEqual(await s.pollers.getConsumer(app.id, e.id, "c"), {
        position: "msg_d",
        leasedPosition: "msg_f",
        leaseUntil: T0 + 30_000,
      });
      await s.pollers.commit(app.id, e.id, "c", "msg_f", T0 + 4);
      assert.deepEqual(await s.pollers.getConsumer(app.id, e.id, "c"), {
        position: "msg_f",
        leasedPosition: null,
        leaseUntil: null,
      });
      assert.equal(await s.pollers.getConsumer(app.id, e.id, "other"), undefined);

      const record = (t: number) => apiToken(t, { appId: app.id, pollerEndpointId: e.id });
      const token = (t: number) => ({
        appId: app.id,
        endpointId: e.id,
        tokenId: fixedId("tok", t),
        token: `poll-${t}`,
        createdAt: t,
        expiresAt: null,
      });
      assert.equal(await s.pollers.getToken(app.id, e.id), undefined);
      assert.equal(await s.pollers.insertToken(token(T0), record(T0)), true);
      assert.equal(await s.pollers.insertToken(token(T0 + 1), record(T0 + 1)), false);
      assert.equal(await s.tokens.get(fixedId("tok", T0 + 1)), undefined, "nothing stored");
      assert.deepEqual(await s.pollers.getToken(app.id, e.id), token(T0));
      assert.deepEqual(await s.tokens.get(fixedId("tok", T0)), record(T0));
      await s.pollers.rotateToken(token(T0 + 2), record(T0 + 2), T0 + 60_000);
      assert.deepEqual(await s.pollers.getToken(app.id, e.id), token(T0 + 2));
      assert.equal((await s.tokens.get(fixedId("tok", T0)))?.revokedAt, T0 + 60_000);
      assert.equal((await s.tokens.get(fixedId("tok", T0 + 2)))?.revokedAt, null);
    },
  },
  {
    name: "retention: payloads expire, old attempts and settled messages go; a message still due stays; its event id is free again",
    async run(s: Store) {
      const { app, endpoints } = await seedApp(s, 1);
      const e = endpoints[0]!;
      const msgs = [0, 1, 2, 3].map((i) =>
        at(app.id, T0 + 1000 * (i + 1), { eventId: `evt-${i}`, payloadExpiresAt: i < 2 ? T0 + 50_000 + i : null }),
      );
      for (const m of msgs)
        await s.messages.insertWithDeliveries(m, [
          { id: fixedId("dlv", m.createdAt), endpointId: e.id, leaseOwner: "w", leaseUntil: T0 + 90_000 },
        ]);
      // The first three settle (with an attempt each); the last is still due.
      await s.deliveries.complete(
        "w",
        msgs.slice(0, 3).map((m) =>
          outcome(
            fixedId("dlv", m.createdAt),
            attempt(m, e.id, m.createdAt + 10, {
              id: fixedId("atmpt", m.createdAt + 10),
              status: DeliveryStatus.Success,
            }),
          ),
        ),
        T0 + 10_000,
      );
      // A cutoff past the whole time window of these rows: PostgreSQL removes rows only with their
      // window (src/store/postgres/partitions.ts), whose due delivery keeps it, so the rows go one by one.
      const now = T0 + 30 * 86_400_000;
      assert.deepEqual(await retentionPass(s, now, now), { removed: 0, payloads: 2, attempts: 3, messages: 3 });
      assert.equal(await s.deliveries.get(app.id, msgs[0]!.id, e.id), undefined, "deliveries go with their message");
      const left = await s.messages.getMany(
        app.id,
        msgs.map((m) => m.id),
      );
      assert.deepEqual([...left.keys()], [msgs[3]!.id], "the one still due stays");
      await s.messages.insertWithDeliveries(at(app.id, T0 + 200_000, { eventId: "evt-0" }), []);
      assert.equal((await s.messages.get(app.id, "evt-0"))?.id, fixedId("msg", T0 + 200_000));
    },
  },
  {
    name: "applications: deleting one removes what it owns",
    async run(s: Store) {
      const { app, endpoints } = await seedApp(s, 1);
      const keep = await seedApp(s, 1, T0 + 100);
      const m = at(app.id, T0 + 10);
      await s.messages.insertWithDeliveries(m, [
        { id: fixedId("dlv", T0 + 10), endpointId: endpoints[0]!.id, leaseOwner: null, leaseUntil: null },
      ]);
      const a = attempt(m, endpoints[0]!.id, T0 + 11, { id: fixedId("atmpt", T0 + 11) });
      await s.attempts.insert(a);
      const kept = at(keep.app.id, T0 + 110);
      await s.messages.insertWithDeliveries(kept, [
        { id: fixedId("dlv", T0 + 110), endpointId: keep.endpoints[0]!.id, leaseOwner: null, leaseUntil: null },
      ]);
      await s.applications.delete(app.id);
      assert.equal(await s.endpoints.get(app.id, endpoints[0]!.id), undefined);
      assert.equal(await s.messages.get(app.id, m.id), undefined);
      assert.equal(await s.deliveries.get(app.id, m.id, endpoints[0]!.id), undefined);
      assert.equal(await s.attempts.get(app.id, m.id, a.id), undefined);
      assert.equal(await s.deliveries.countPending(), 1, "only the other application's delivery is left");
      assert.deepEqual(await s.messages.get(keep.app.id, kept.id), kept);
    },
  },
];
