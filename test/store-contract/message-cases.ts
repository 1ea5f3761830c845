/** Contract cases: messages, with the deliveries and idempotent response written alongside them. */
import assert from "node:assert/strict";
import { DeliveryStatus } from "../../src/core/entities.ts";
import { DuplicateIdempotencyKey } from "../../src/core/errors.ts";
import type { Message } from "../../src/core/entities.ts";
import type { Store } from "../../src/store/store.ts";
import { message, newDelivery, rejection, req, T0, walk } from "../support/store-fixtures.ts";
import { seedApp } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

const msgAt = (appId: string, t: number, extra: Partial<Message> = {}) =>
  message(appId, t, { id: fixedId("msg", t), ...extra });

/** Eight messages of one application, varied in type, channels and tags, one second apart. */
async function seedMessages(s: Store) {
  const { app, endpoints } = await seedApp(s, 1);
  const msgs = Array.from({ length: 8 }, (_, i) =>
    msgAt(app.id, T0 + 1000 * (i + 1), {
      eventType: ["user.created", "user.deleted", "Order.paid"][i % 3]!,
      channels: i % 2 ? ["eu"] : i % 4 === 0 ? ["us", "eu"] : null,
      tags: i % 3 === 1 ? ["vip"] : null,
    }),
  );
  for (const m of msgs) await s.messages.insertWithDeliveries(m, [newDelivery(endpoints[0]!.id, m.createdAt)]);
  return { app, endpoint: endpoints[0]!, msgs };
}

export const messageCases: StoreCase[] = [
  {
    name: "messages: a record reads back equal (payload bytes, inbound envelope, trace context, schedule)",
    async run(s) {
      const { app } = await seedApp(s, 0);
      const other = await seedApp(s, 0, T0 + 1);
      const m = msgAt(app.id, T0 + 10, {
        eventId: "evt-1",
        payload: '{"z":1,"a":[1.50,"é😀\\u0000"],  "n":null}',
        channels: ["eu", "us"],
        tags: ["vip"],
        payloadExpiresAt: T0 + 86_400_000,
        deliverAt: T0 + 60_000,
        inbound: { sourceId: "src_x", contentType: null, headers: { "x-a": "1" }, encoding: "base64" },
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        tracestate: "vendor=abc",
      });
      await s.messages.insertWithDeliveries(m, []);
      assert.deepEqual(await s.messages.get(app.id, m.id), m);
      assert.deepEqual(await s.messages.get(app.id, "evt-1"), m, "by event id");
      assert.equal(await s.messages.get(other.app.id, m.id), undefined);
      assert.equal(await s.messages.appIdOf(m.id), app.id);
      assert.equal(await s.messages.appIdOf(fixedId("msg", T0 + 11)), undefined);
      const bare = msgAt(app.id, T0 + 20);
      await s.messages.insertWithDeliveries(bare, []);
      assert.deepEqual(await s.messages.get(app.id, bare.id), bare, "nulls read back as null");
      const many = await s.messages.getMany(app.id, [m.id, bare.id, m.id, fixedId("msg", T0 + 30)]);
      assert.deepEqual(
        [...many.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
        [
          [m.id, m],
          [bare.id, bare],
        ],
      );
      assert.equal((await s.messages.getMany(other.app.id, [m.id])).size, 0);
    },
  },
  {
    name: "messages: an event id is unique within an application; the rejected message writes nothing",
    async run(s) {
      const { app, endpoints } = await seedApp(s, 1);
      const other = await seedApp(s, 0, T0 + 1);
      await s.messages.insertWithDeliveries(msgAt(app.id, T0 + 10, { eventId: "evt" }), []);
      const dup = msgAt(app.id, T0 + 11, { eventId: "evt" });
      const dupDelivery = newDelivery(endpoints[0]!.id, T0 + 11);
      assert.deepEqual(await rejection(s.messages.insertWithDeliveries(dup, [dupDelivery])), {
        status: 409,
        code: "conflict",
      });
      assert.equal(await s.messages.get(app.id, dup.id), undefined);
      assert.equal(await s.deliveries.get(app.id, dup.id, endpoints[0]!.id), undefined);
      await s.messages.insertWithDeliveries(msgAt(other.app.id, T0 + 12, { eventId: "evt" }), []);
      assert.equal((await s.messages.get(other.app.id, "evt"))?.id, fixedId("msg", T0 + 12));
    },
  },
  {
    name: "messages: the idempotent response commits with the message; a key already stored refuses it",
    async run(s) {
      const { app } = await seedApp(s, 0);
      const m = msgAt(app.id, T0 + 10);
      await s.messages.insertWithDeliveries(m, [], { scope: "app", key: "k", statusCode: 202, body: '{"id":1}' });
      assert.deepEqual(await s.idempotency.get("app", "k"), {
        scope: "app",
        key: "k",
        statusCode: 202,
        body: '{"id":1}',
      });
      const second = msgAt(app.id, T0 + 11);
      await assert.rejects(
        s.messages.insertWithDeliveries(second, [], { scope: "app", key: "k", statusCode: 202, body: "{}" }),
        DuplicateIdempotencyKey,
      );
      assert.equal(await s.messages.get(app.id, second.id), undefined);
    },
  },
  {
    name: "messages: new deliveries are pending, due at creation or at deliverAt, leased when asked, streamed when polled",
    async run(s) {
      const { app, endpoints } = await seedApp(s, 3);
      const [e0, e1, e2] = endpoints as [(typeof endpoints)[0], (typeof endpoints)[0], (typeof endpoints)[0]];
      const now = msgAt(app.id, T0 + 10);
      const later = msgAt(app.id, T0 + 20, { deliverAt: T0 + 5000 });
      await s.messages.insertWithDeliveries(now, [
        newDelivery(e0.id, T0 + 10, { owner: "api", until: T0 + 30_000 }),
        { ...newDelivery(e1.id, T0 + 10), stream: true },
      ]);
      await s.messages.insertWithDeliveries(later, [
        newDelivery(e0.id, T0 + 20),
        { ...newDelivery(e1.id, T0 + 20), stream: true },
        newDelivery(e2.id, T0 + 20),
      ]);
      const state = async (msgId: string, endpointId: string) => {
        const d = await s.deliveries.get(app.id, msgId, endpointId);
        return d && [d.status, d.nextAttemptAt, d.attemptCount, d.createdAt, d.updatedAt];
      };
      assert.deepEqual(await state(now.id, e0.id), [DeliveryStatus.Pending, T0 + 10, 0, T0 + 10, T0 + 10]);
      assert.deepEqual(await state(now.id, e1.id), [DeliveryStatus.Success, null, 0, T0 + 10, T0 + 10]);
      assert.deepEqual(await state(later.id, e0.id), [DeliveryStatus.Pending, T0 + 5000, 0, T0 + 20, T0 + 20]);
      assert.equal(await s.deliveries.countPending(), 3);
      assert.deepEqual(
        (await s.deliveries.claimDue("w", T0 + 100, T0 + 200, 10, [])).map((d) => d.msgId),
        [],
        "the leased one is taken until T0 + 30 s; the scheduled ones are not due",
      );
      const entries = await s.pollers.read(app.id, e1.id, { after: "", before: "~", limit: 10 });
      assert.deepEqual(
        entries.map((x) => x.message),
        [now, later],
      );
      assert.ok(entries[0]!.offset < entries[1]!.offset, "offsets grow");
    },
  },
  {
    name: "messages: filters (channel, tag, event types, time) and pages in both directions",
    async run(s) {
      const { app, msgs } = await seedMessages(s);
      const ids = (pick: (m: Message, i: number) => boolean) => msgs.filter(pick).map((m) => m.id);
      const list = async (filter: Parameters<Store["messages"]["list"]>[1]) =>
        (await s.messages.list(app.id, filter, req(50))).data.map((m) => m.id);
      assert.deepEqual(
        await list({}),
        ids(() => true),
      );
      assert.deepEqual(
        await list({ channel: "eu" }),
        ids((m) => m.channels?.includes("eu") ?? false),
      );
      assert.deepEqual(
        await list({ channel: "us" }),
        ids((m) => m.channels?.includes("us") ?? false),
      );
      assert.deepEqual(
        await list({ tag: "vip" }),
        ids((m) => m.tags !== null),
      );
      assert.deepEqual(
        await list({ eventTypes: ["Order.paid", "user.deleted"] }),
        ids((m) => m.eventType !== "user.created"),
      );
      assert.deepEqual(
        await list({ after: T0 + 2000, before: T0 + 6000 }),
        ids((_, i) => i >= 2 && i <= 4),
      );
      for (const order of ["ascending", "descending"] as const) {
        const expected = order === "ascending" ? ids(() => true) : ids(() => true).reverse();
        const { forward, backward } = await walk((p) => s.messages.list(app.id, { channel: "eu" }, p), 2, order);
        const eu = expected.filter((id) => msgs.find((m) => m.id === id)!.channels?.includes("eu"));
        assert.deepEqual(
          forward.flatMap((p) => p.data.map((m) => m.id)),
          eu,
        );
        assert.deepEqual(
          backward.flatMap((p) => p.data.map((m) => m.id)),
          forward
            .slice(0, -1)
            .reverse()
            .flatMap((p) => p.data.map((m) => m.id)),
        );
      }
    },
  },
  {
    name: "messages: expunge one, scan for an endpoint, expunge in batches",
    async run(s) {
      const { app, endpoint, msgs } = await seedMessages(s);
      const elsewhere = (await seedApp(s, 1, T0 + 100)).endpoints[0]!;
      await s.messages.expungeContent(app.id, msgs[1]!.id);
      assert.equal((await s.messages.get(app.id, msgs[1]!.id))?.payload, null);
      assert.equal((await s.messages.get(app.id, msgs[0]!.id))?.payload, '{"n":1}');
      const range = { after: msgs[0]!.id, before: msgs[4]!.id };
      assert.deepEqual(await s.messages.scanForEndpoint(app.id, endpoint.id, range, 10), [
        { id: msgs[1]!.id, eventType: "user.deleted", channels: ["eu"], hasDelivery: true, expunged: true },
        { id: msgs[2]!.id, eventType: "Order.paid", channels: null, hasDelivery: true, expunged: false },
        { id: msgs[3]!.id, eventType: "user.created", channels: ["eu"], hasDelivery: true, expunged: false },
      ]);
      assert.deepEqual(
        (await s.messages.scanForEndpoint(app.id, elsewhere.id, range, 2)).map((r) => [r.id, r.hasDelivery]),
        [
          [msgs[1]!.id, false],
          [msgs[2]!.id, false],
        ],
      );
      const all = { after: "", before: "msg_~" };
      assert.deepEqual(await s.messages.expungeBatch(app.id, all, 3), { changed: 2, scanned: 3, next: msgs[2]!.id });
      const rest = await s.messages.expungeBatch(app.id, { ...all, after: msgs[2]!.id }, 10);
      assert.deepEqual(rest, { changed: 5, scanned: 5, next: msgs[7]!.id });
      assert.deepEqual(await s.messages.expungeBatch(app.id, { ...all, after: msgs[7]!.id }, 10), {
        changed: 0,
        scanned: 0,
        next: msgs[7]!.id,
      });
      const expunged = await s.messages.getMany(
        app.id,
        msgs.map((m) => m.id),
      );
      assert.ok([...expunged.values()].every((m) => m.payload === null));
    },
  },
];
