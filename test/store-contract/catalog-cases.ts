/** Contract cases: applications, event types and endpoints (the catalogue a message is routed by). */
import assert from "node:assert/strict";
import type { Application, EventType } from "../../src/core/entities.ts";
import { OPERATIONAL_APP_SETTING, type Store } from "../../src/store/store.ts";
import { application, endpoint, req, T0, walk } from "../support/store-fixtures.ts";
import { ingestSource } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

const eventType = (name: string, extra: Partial<EventType> = {}): EventType => ({
  name,
  description: `about ${name}`,
  archived: false,
  deprecated: false,
  schemas: { "1": { type: "object", properties: { b: { type: "string" }, a: { nullable: true } } } },
  groupName: null,
  featureFlags: ["beta"],
  retrySchedule: [5, 300],
  createdAt: T0,
  updatedAt: T0,
  ...extra,
});

/** Two applications created at T0, inserted. */
async function twoApps(s: Store) {
  const apps = [0, 1].map((n) => application(T0, { id: fixedId("app", T0, n) }));
  for (const a of apps) await s.applications.insert(a);
  return apps as [Application, Application];
}

export const catalogCases: StoreCase[] = [
  {
    name: "applications: a record reads back equal, by id or uid; update and delete",
    async run(s) {
      const a = application(T0, { id: fixedId("app", T0), uid: "acme", throttleRate: 7, metadata: { k: "é" } });
      await s.applications.insert(a);
      assert.deepEqual(await s.applications.get(a.id), a);
      assert.deepEqual(await s.applications.get("acme"), a);
      assert.equal(await s.applications.get("nope"), undefined);
      const updated = { ...a, uid: null, name: "renamed", throttleRate: null, metadata: {}, updatedAt: T0 + 5 };
      await s.applications.update(updated);
      assert.deepEqual(await s.applications.get(a.id), updated);
      assert.equal(await s.applications.get("acme"), undefined, "the uid was cleared");
      await s.applications.delete(a.id);
      assert.equal(await s.applications.get(a.id), undefined);
    },
  },
  {
    name: "applications: a uid is unique across applications",
    async run(s) {
      await s.applications.insert(application(T0, { id: fixedId("app", T0), uid: "same" }));
      await assert.rejects(s.applications.insert(application(T0, { id: fixedId("app", T0, 1), uid: "same" })));
      await assert.rejects(s.applications.insert(application(T0, { id: fixedId("app", T0) })), "the id too");
    },
  },
  {
    name: "applications: pages in id order both ways, leaving out source-backed and operational applications",
    async run(s) {
      const ids = Array.from({ length: 5 }, (_, i) => fixedId("app", T0 + i));
      for (const id of ids) await s.applications.insert(application(T0, { id }));
      const operational = application(T0 + 10, { id: fixedId("app", T0 + 10) });
      await s.applications.insert(operational);
      await s.settings.put(OPERATIONAL_APP_SETTING, operational.id);
      const backing = application(T0 + 11, { id: fixedId("app", T0 + 11) });
      await s.ingest.insertSource(ingestSource(backing.id, T0 + 11), backing);
      for (const order of ["ascending", "descending"] as const) {
        const expected = order === "ascending" ? ids : [...ids].reverse();
        const { forward, backward } = await walk((p) => s.applications.list(p), 2, order);
        assert.deepEqual(
          forward.map((p) => p.data.map((a) => a.id)),
          [expected.slice(0, 2), expected.slice(2, 4), expected.slice(4)],
        );
        assert.deepEqual(
          forward.map((p) => [p.done, p.iterator, p.prevIterator]),
          [
            [false, expected[1], `-${expected[0]}`],
            [false, expected[3], `-${expected[2]}`],
            [true, expected[4], `-${expected[4]}`],
          ],
        );
        assert.deepEqual(
          backward.map((p) => p.data.map((a) => a.id)),
          [expected.slice(2, 4), expected.slice(0, 2)],
        );
      }
    },
  },
  {
    name: "event types: a record reads back equal (JSON schemas, flags, retry schedule); archived filter; update; delete",
    async run(s) {
      for (const name of ["b.event", "B.event", "a.event"]) await s.eventTypes.insert(eventType(name));
      await s.eventTypes.insert(eventType("A.old", { archived: true, featureFlags: null, retrySchedule: null }));
      assert.deepEqual(await s.eventTypes.get("b.event"), eventType("b.event"));
      assert.deepEqual(
        await s.eventTypes.get("A.old"),
        eventType("A.old", { archived: true, featureFlags: null, retrySchedule: null }),
      );
      const names = async (includeArchived: boolean, limit = 10, order: "ascending" | "descending" = "ascending") =>
        (await s.eventTypes.list(req(limit, order), includeArchived)).data.map((e) => e.name);
      assert.deepEqual(await names(false), ["B.event", "a.event", "b.event"], "bytewise order");
      assert.deepEqual(await names(true), ["A.old", "B.event", "a.event", "b.event"]);
      assert.deepEqual(await names(true, 2, "descending"), ["b.event", "a.event"]);
      const changed = eventType("a.event", {
        archived: true,
        deprecated: true,
        schemas: null,
        groupName: "users",
        updatedAt: T0 + 1,
      });
      await s.eventTypes.update(changed);
      assert.deepEqual(await s.eventTypes.get("a.event"), changed);
      await assert.rejects(s.eventTypes.insert(eventType("b.event")), "a name is unique");
      await s.eventTypes.delete("b.event");
      assert.equal(await s.eventTypes.get("b.event"), undefined);
    },
  },
  {
    name: "endpoints: a record reads back equal (options, headers, secrets), by id or uid, within its application only",
    async run(s) {
      const [app, other] = await twoApps(s);
      const e = endpoint(app.id, T0, {
        id: fixedId("ep", T0),
        uid: "primary",
        description: "main",
        throttleRate: 10,
        eventTypes: ["a", "b"],
        channels: ["c"],
        metadata: { m: "1" },
        previousSecrets: [{ key: "whsec_b2xk", expiresAt: T0 + 1000 }],
        failingSince: T0 - 5,
        options: {
          filter: "payload.n > 1",
          ordered: true,
          format: "cloudevents-structured",
          transformation: { code: "$", language: "jsonata", enabled: true, variables: { x: "1" }, updatedAt: T0 },
        },
      });
      await s.endpoints.insert(e);
      assert.deepEqual(await s.endpoints.get(app.id, e.id), e);
      assert.deepEqual(await s.endpoints.get(app.id, "primary"), e);
      assert.equal(await s.endpoints.get(other.id, e.id), undefined);
      assert.equal(await s.endpoints.get(other.id, "primary"), undefined);
      await s.endpoints.insert(endpoint(other.id, T0, { id: fixedId("ep", T0, 1), uid: "primary" }));
      await assert.rejects(
        s.endpoints.insert(endpoint(app.id, T0, { id: fixedId("ep", T0, 2), uid: "primary" })),
        "a uid is unique within an application",
      );
      const changed = { ...e, uid: null, url: "https://new.test", disabled: true, options: {}, updatedAt: T0 + 9 };
      await s.endpoints.update(changed);
      assert.deepEqual(await s.endpoints.get(app.id, e.id), changed);
      await s.endpoints.update({ ...changed, appId: other.id, url: "https://hijack.test" });
      assert.equal((await s.endpoints.get(app.id, e.id))?.url, "https://new.test", "update is scoped");
      await s.endpoints.delete(other.id, e.id);
      assert.ok(await s.endpoints.get(app.id, e.id), "delete is scoped");
      await s.endpoints.delete(app.id, e.id);
      assert.equal(await s.endpoints.get(app.id, e.id), undefined);
    },
  },
  {
    name: "endpoints: list, listAll, listDisabled; setSecret, markHandshakeValidated; headers already sealed",
    async run(s) {
      const [app, other] = await twoApps(s);
      const ids = [0, 1, 2].map((i) => fixedId("ep", T0 + i));
      for (const [i, id] of ids.entries()) await s.endpoints.insert(endpoint(app.id, T0 + i, { id, disabled: i > 0 }));
      const elsewhere = endpoint(other.id, T0 + 5, { id: fixedId("ep", T0 + 5), disabled: true });
      await s.endpoints.insert(elsewhere);
      const page = await s.endpoints.list(app.id, req(2, "descending"));
      assert.deepEqual([page.data.map((e) => e.id), page.done], [[ids[2], ids[1]], false]);
      assert.deepEqual(
        (await s.endpoints.listAll(app.id)).map((e) => e.id),
        ids,
      );
      assert.deepEqual(
        (await s.endpoints.listDisabled(app.id, 10)).map((e) => e.id),
        [ids[1], ids[2]],
      );
      assert.deepEqual(
        (await s.endpoints.listDisabled(null, 2)).map((e) => e.id),
        [ids[1], ids[2]],
      );
      assert.deepEqual(
        (await s.endpoints.listDisabled(null, 10)).map((e) => e.id),
        [ids[1], ids[2], elsewhere.id],
      );
      const previous = [{ key: "whsec_c2VjcmV0", expiresAt: T0 + 86_400_000 }];
      await s.endpoints.setSecret(app.id, ids[0]!, "whsec_bmV3", previous, T0 + 10);
      await s.endpoints.markHandshakeValidated(app.id, ids[0]!, T0 + 11);
      const rotated = await s.endpoints.get(app.id, ids[0]!);
      assert.deepEqual(
        [rotated?.secret, rotated?.previousSecrets, rotated?.updatedAt, rotated?.handshakeValidatedAt],
        ["whsec_bmV3", previous, T0 + 10, T0 + 11],
      );
      assert.equal(await s.endpoints.sealPlaintextHeaders(), 0, "every write sealed them already");
      assert.deepEqual(rotated?.headers, { "x-b": "2", "x-a": "1" });
    },
  },
];
