/**
 * PostgresStore against the Store contract, on a throwaway cluster. The main database is created
 * with an ICU en-US default collation (where "a" < "B"), so ordering only passes if the schema's
 * COLLATE "C" is doing its job. A parity test replays one scenario on SQLite and PostgreSQL and
 * requires identical answers.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { DeliveryStatus, TriggerType, type Application, type Endpoint, type EventType } from "../src/core/entities.ts";
import { ApiError, DuplicateIdempotencyKey } from "../src/core/errors.ts";
import { newId } from "../src/core/ids.ts";
import { migratePostgres } from "../src/store/postgres/migrate.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { DeliveryOutcome, Ordering, Store } from "../src/store/store.ts";
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.ts";
import {
  application,
  attempt,
  bytewise,
  byId,
  endpoint,
  message,
  newDelivery,
  outcome,
  rejection,
  T0,
  walk,
  req,
} from "./support/store-fixtures.ts";

const MIGRATIONS = readdirSync(new URL("../src/store/migrations/postgres/", import.meta.url))
  .filter((f) => f.endsWith(".sql"))
  .sort();
const skip =
  findPostgresBin() === null
    ? "SKIPPED: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); install Debian's `postgresql` package"
    : false;

describe("PostgresStore", { skip }, () => {
  let cluster: PostgresCluster;
  let store: PostgresStore;
  let sql: pg.Pool;
  /** Whether the main database's default collation is ICU en-US (needs a server built with ICU). */
  let icu = true;

  before(async () => {
    cluster = await startPostgresCluster();
    const url = await cluster.createDatabase({ icuLocale: "en-US" }).catch(() => {
      icu = false;
      return cluster.createDatabase();
    });
    store = await PostgresStore.open(url, { poolSize: 8 });
    sql = store.pool;
  });

  after(async () => {
    await store?.close();
    await cluster?.stop();
  });

  const lease = async (id: string) =>
    (
      await sql.query<{ lease_owner: string | null; lease_until: number | null }>(
        "SELECT lease_owner, lease_until FROM delivery WHERE id = $1",
        [id],
      )
    ).rows[0];

  /** An application with `n` endpoints, inserted. */
  async function seedApp(n: number, t = Date.now()) {
    const app = application(t);
    await store.applications.insert(app);
    const endpoints: Endpoint[] = [];
    for (let i = 0; i < n; i++) {
      const e = endpoint(app.id, t);
      await store.endpoints.insert(e);
      endpoints.push(e);
    }
    return { app, endpoints };
  }

  test("migrations are recorded once and open() is idempotent", async () => {
    const { rows } = await sql.query<{ name: string }>("SELECT name FROM schema_migration ORDER BY name");
    assert.deepEqual(
      rows.map((r) => r.name),
      MIGRATIONS,
    );
    const again = await PostgresStore.open(cluster.url(await currentDatabase(sql)));
    await again.close();
    assert.equal((await sql.query("SELECT * FROM schema_migration")).rowCount, MIGRATIONS.length);
  });

  test("three concurrent open() calls on an empty database migrate exactly once", async () => {
    const url = await cluster.createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url, { poolSize: 2 })));
    const { rows } = await stores[0]!.pool.query<{ name: string }>("SELECT name FROM schema_migration");
    assert.deepEqual(rows.map((r) => r.name).sort(), MIGRATIONS);
    // All three are usable against the one schema.
    const app = application(Date.now());
    await stores[1]!.applications.insert(app);
    assert.equal((await stores[2]!.applications.get(app.id))?.id, app.id);
    await Promise.all(stores.map((s) => s.close()));

    const fresh = await cluster.createDatabase();
    const ran = await Promise.all([1, 2, 3].map(() => migratePostgres(fresh)));
    assert.deepEqual(ran.flat(), MIGRATIONS, "each migration file ran in exactly one of the three processes");
  });

  test("applications: insert, get by id or uid, update, list, delete", async () => {
    const t = Date.now();
    const a = application(t, { uid: "acme" });
    await store.applications.insert(a);
    assert.deepEqual(await store.applications.get(a.id), a);
    assert.deepEqual(await store.applications.get("acme"), a);
    assert.equal(await store.applications.get("nope"), undefined);
    // An id match wins over another application's uid equal to that id.
    const shadow = application(t + 1, { uid: a.id });
    await store.applications.insert(shadow);
    assert.equal((await store.applications.get(a.id))?.id, a.id);
    const updated = { ...a, name: "renamed", throttleRate: 5, metadata: { k: "v" }, updatedAt: t + 5 };
    await store.applications.update(updated);
    assert.deepEqual(await store.applications.get(a.id), updated);
    await store.applications.delete(a.id);
    assert.equal(await store.applications.get("acme"), undefined);
    assert.equal((await store.applications.get(a.id))?.id, shadow.id, "now only the uid matches");
  });

  test("pagination: bytewise id order under an ICU database, both directions, prevIterator and done", async () => {
    await sql.query("DELETE FROM application"); // cascades; the tests in this file run one at a time
    // Ids differing only in case-mixed last characters: en-US would interleave A/a, bytes do not.
    const ids = [..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"]
      .filter((_, i) => i % 3 === 0)
      .map((c) => `app_${"0".repeat(26)}${c}`);
    if (icu) {
      const localeOrder = await sql.query<{ id: string }>(
        "SELECT id FROM unnest($1::text[]) AS t(id) ORDER BY id COLLATE pg_catalog.default",
        [ids],
      );
      assert.notDeepEqual(
        localeOrder.rows.map((r) => r.id),
        ids,
        "the fixture would catch a key ordered by the database's locale",
      );
    }
    for (const id of [...ids].reverse()) await store.applications.insert(application(T0, { id }));

    for (const order of ["ascending", "descending"] as const) {
      const expected = order === "ascending" ? ids : [...ids].reverse();
      const { forward, backward } = await walk((p) => store.applications.list(p), 5, order);
      assert.deepEqual(
        forward.map((p) => p.data.length),
        [5, 5, 5, 5, 1],
      );
      assert.deepEqual(
        forward.flatMap((p) => p.data.map((a) => a.id)),
        expected,
      );
      forward.forEach((p, i) => {
        assert.equal(p.done, i === forward.length - 1);
        assert.equal(p.iterator, p.data[p.data.length - 1]!.id);
        assert.equal(p.prevIterator, "-" + p.data[0]!.id);
      });
      // Walking back from the last page revisits the earlier pages in reverse, never marked done.
      assert.deepEqual(
        backward.map((p) => p.data.map((a) => a.id)),
        forward
          .slice(0, -1)
          .reverse()
          .map((p) => p.data.map((a) => a.id)),
      );
      assert.ok(backward.every((p) => !p.done));
      // Back past the start: empty, and its iterator starts over from the top so nothing is skipped.
      // Forward past the end: empty and done.
      const start = await store.applications.list(req(5, order, "-" + expected[0]));
      assert.deepEqual(start, { data: [], iterator: null, prevIterator: null, done: false });
      const end = await store.applications.list(req(5, order, expected[expected.length - 1]!));
      assert.deepEqual(end, { data: [], iterator: expected[expected.length - 1], prevIterator: null, done: true });
      // A mid-list cursor in each direction.
      assert.deepEqual(
        (await store.applications.list(req(2, order, expected[10]!))).data.map((a) => a.id),
        expected.slice(11, 13),
      );
      assert.deepEqual(
        (await store.applications.list(req(2, order, "-" + expected[10]))).data.map((a) => a.id),
        expected.slice(8, 10),
      );
    }
    await sql.query("DELETE FROM application");
  });

  test("event types: bytewise names, archived filter, update, delete", async () => {
    const et = (name: string, archived = false): EventType => ({
      name,
      description: name,
      archived,
      deprecated: false,
      schemas: { "1": { type: "object", properties: { b: {}, a: {} } } },
      groupName: null,
      featureFlags: ["beta"],
      retrySchedule: null,
      createdAt: T0,
      updatedAt: T0,
    });
    for (const name of ["b.event", "B.event", "a.event", "A.old"])
      await store.eventTypes.insert(et(name, name === "A.old"));
    assert.deepEqual(await store.eventTypes.get("b.event"), et("b.event"));
    const visible = await store.eventTypes.list(req(10), false);
    assert.deepEqual(
      visible.data.map((e) => e.name),
      ["B.event", "a.event", "b.event"],
    );
    const all = await store.eventTypes.list(req(2, "descending"), true);
    assert.deepEqual(
      all.data.map((e) => e.name),
      ["b.event", "a.event"],
    );
    assert.equal(all.done, false);
    await store.eventTypes.update({
      ...et("a.event"),
      archived: true,
      deprecated: true,
      schemas: null,
      updatedAt: T0 + 1,
    });
    const a = await store.eventTypes.get("a.event");
    assert.deepEqual([a?.archived, a?.deprecated, a?.schemas, a?.updatedAt], [true, true, null, T0 + 1]);
    for (const name of ["b.event", "B.event", "a.event", "A.old"]) await store.eventTypes.delete(name);
    assert.equal(await store.eventTypes.get("b.event"), undefined);
  });

  test("endpoints: scoped by application, uid lookup, update, secrets, delete", async () => {
    const { app } = await seedApp(0);
    const other = await seedApp(0);
    const t = Date.now();
    const e1 = endpoint(app.id, t, { uid: "primary", eventTypes: ["a"], channels: ["c"], metadata: { m: "1" } });
    const e2 = endpoint(app.id, t + 1);
    await store.endpoints.insert(e1);
    await store.endpoints.insert(e2);
    assert.deepEqual(await store.endpoints.get(app.id, e1.id), e1);
    assert.deepEqual(await store.endpoints.get(app.id, "primary"), e1);
    assert.equal(await store.endpoints.get(other.app.id, e1.id), undefined, "another application cannot see it");
    assert.equal(await store.endpoints.get(other.app.id, "primary"), undefined);
    assert.deepEqual(
      (await store.endpoints.list(app.id, req(1))).data.map((e) => e.id),
      [e1.id],
    );
    assert.deepEqual(
      (await store.endpoints.listAll(app.id)).map((e) => e.id),
      [e1.id, e2.id],
    );
    assert.deepEqual(await store.endpoints.listAll(other.app.id), []);
    const changed = {
      ...e1,
      url: "https://new.test",
      disabled: true,
      failingSince: t,
      eventTypes: null,
      updatedAt: t + 9,
    };
    await store.endpoints.update(changed);
    await store.endpoints.update({ ...e2, appId: other.app.id, url: "https://hijack.test" });
    assert.deepEqual(await store.endpoints.get(app.id, e1.id), changed);
    assert.equal((await store.endpoints.get(app.id, e2.id))?.url, e2.url, "update is scoped by application");
    const previous = [{ key: e1.secret, expiresAt: t + 86_400_000 }];
    await store.endpoints.setSecret(app.id, e1.id, "whsec_bmV3", previous, t + 10);
    const rotated = await store.endpoints.get(app.id, e1.id);
    assert.deepEqual([rotated?.secret, rotated?.previousSecrets, rotated?.updatedAt], ["whsec_bmV3", previous, t + 10]);
    await store.endpoints.delete(other.app.id, e1.id);
    assert.ok(await store.endpoints.get(app.id, e1.id), "delete is scoped by application");
    await store.endpoints.delete(app.id, e1.id);
    assert.equal(await store.endpoints.get(app.id, e1.id), undefined);
  });

  test("messages: atomic insert with deliveries, exact payload bytes, get, getMany, filters, expunge", async () => {
    const { app, endpoints } = await seedApp(2);
    const other = await seedApp(1);
    const t = Date.now();
    const payload = '{"z":1,"a":[1.50,"é😀\\u0000"],  "n":null}';
    const m1 = message(app.id, t, {
      eventId: "evt-1",
      payload,
      channels: ["eu", "us"],
      tags: ["vip"],
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      tracestate: "vendor=abc",
    });
    const d1 = endpoints.map((e) => newDelivery(e.id, t));
    await store.messages.insertWithDeliveries(m1, d1, { scope: "k1", key: "idem", statusCode: 202, body: "{}" });
    assert.deepEqual(await store.messages.get(app.id, m1.id), m1);
    assert.equal((await store.messages.get(app.id, m1.id))?.payload, payload, "payload bytes round-trip");
    assert.deepEqual(await store.messages.get(app.id, "evt-1"), m1);
    assert.equal(await store.messages.get(other.app.id, m1.id), undefined);
    assert.deepEqual(await store.idempotency.get("k1", "idem"), {
      scope: "k1",
      key: "idem",
      statusCode: 202,
      body: "{}",
    });
    const stored = await store.deliveries.listByMessage(app.id, m1.id, req(10));
    assert.deepEqual(
      stored.data.map((d) => d.id),
      d1.map((d) => d.id),
      "ordered by endpoint id",
    );
    assert.ok(stored.data.every((d) => d.status === DeliveryStatus.Pending && d.nextAttemptAt === t));

    // Duplicate eventId: a 409, and nothing of the rejected message is written.
    const dup = message(app.id, t + 1, { eventId: "evt-1" });
    const dupDelivery = newDelivery(endpoints[0]!.id, t + 1);
    assert.deepEqual(await rejection(store.messages.insertWithDeliveries(dup, [dupDelivery])), {
      status: 409,
      code: "conflict",
    });
    assert.equal(await store.messages.get(app.id, dup.id), undefined);
    assert.equal((await sql.query("SELECT 1 FROM delivery WHERE id = $1", [dupDelivery.id])).rowCount, 0);
    // The same eventId in another application is fine; racing duplicates yield exactly one winner.
    const elsewhere = message(other.app.id, t, { eventId: "evt-1" });
    await store.messages.insertWithDeliveries(elsewhere, []);
    const race = await Promise.allSettled(
      [1, 2, 3].map((i) =>
        store.messages.insertWithDeliveries(message(app.id, t + 1 + i, { eventId: "evt-race" }), []),
      ),
    );
    assert.equal(race.filter((r) => r.status === "fulfilled").length, 1);
    assert.ok(race.every((r) => r.status === "fulfilled" || (r.reason as ApiError).statusCode === 409));

    const m2 = message(app.id, t + 10, { eventType: "user.deleted", channels: ["us"] });
    const m3 = message(app.id, t + 20, { eventType: "user.created", tags: ["vip", "x"] });
    await store.messages.insertWithDeliveries(m2, []);
    await store.messages.insertWithDeliveries(m3, []);
    const many = await store.messages.getMany(app.id, [m1.id, m2.id, m1.id, "msg_missing", elsewhere.id]);
    assert.deepEqual([...many.keys()].sort(), [m1.id, m2.id].sort());
    assert.deepEqual(many.get(m2.id), m2);

    const list = async (filter: Parameters<Store["messages"]["list"]>[1]) =>
      (await store.messages.list(app.id, filter, req(50))).data.map((m) => m.id);
    const raceWinner = (await store.messages.get(app.id, "evt-race"))!.id;
    assert.deepEqual(await list({}), [m1.id, raceWinner, m2.id, m3.id]);
    assert.deepEqual(await list({ channel: "us" }), [m1.id, m2.id]);
    assert.deepEqual(await list({ channel: "u" }), []);
    assert.deepEqual(await list({ tag: "vip" }), [m1.id, m3.id]);
    assert.deepEqual(await list({ eventTypes: ["user.deleted", "nope"] }), [m2.id]);
    assert.deepEqual(await list({ after: t, before: t + 20 }), [raceWinner, m2.id]);
    assert.deepEqual(await list({ before: t }), []);
    assert.deepEqual(
      (await store.messages.list(app.id, {}, req(2, "descending"))).data.map((m) => m.id),
      [m3.id, m2.id],
    );

    await store.messages.expungeContent(other.app.id, m1.id);
    assert.equal((await store.messages.get(app.id, m1.id))?.payload, payload, "expunge is scoped by application");
    await store.messages.expungeContent(app.id, m1.id);
    assert.equal((await store.messages.get(app.id, m1.id))?.payload, null);
  });

  test("messages accepted in one turn share one statement; a conflict in the group fails only its own caller", async () => {
    const { app, endpoints } = await seedApp(2);
    const t = Date.now();
    const taken = message(app.id, t, { eventId: "group-taken" });
    await store.messages.insertWithDeliveries(taken, []);
    const group = Array.from({ length: 20 }, (_, i) =>
      message(app.id, t + i, { eventId: i === 7 ? "group-taken" : `group-${i}`, payload: `{"i":${i}}` }),
    );
    const results = await Promise.allSettled(
      group.map((m) =>
        store.messages.insertWithDeliveries(
          m,
          endpoints.map((e) => newDelivery(e.id, t)),
        ),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      group.map((_, i) => (i === 7 ? "rejected" : "fulfilled")),
    );
    assert.match(String((results[7] as PromiseRejectedResult).reason), /already exists/);
    for (const [i, m] of group.entries()) {
      if (i === 7) continue;
      assert.deepEqual(await store.messages.get(app.id, m.id), m);
      assert.equal((await store.deliveries.listByMessage(app.id, m.id, req(10))).data.length, 2);
    }
    // A group without a conflict: one statement, everything stored, no fallback.
    const before = { ...store.messages.group.counts };
    const clean = Array.from({ length: 30 }, (_, i) => message(app.id, t + 100 + i));
    await Promise.all(clean.map((m) => store.messages.insertWithDeliveries(m, [newDelivery(endpoints[0]!.id, t)])));
    const stored = await store.messages.getMany(
      app.id,
      clean.map((m) => m.id),
    );
    assert.equal(stored.size, 30);
    assert.deepEqual(store.messages.group.counts, { groups: before.groups + 1, fallbacks: before.fallbacks });
    assert.equal((await store.deliveries.listByMessage(app.id, clean[29]!.id, req(10))).data.length, 1);
  });

  test("claimDue: due order, limit, live leases skipped, expired leases re-claimed, skipEndpoints", async () => {
    await sql.query("DELETE FROM delivery");
    const { app, endpoints } = await seedApp(3);
    const [e0, e1, e2] = endpoints as [Endpoint, Endpoint, Endpoint];
    const now = T0 + 100_000;
    const m = [0, 1, 2, 3, 4].map((i) => message(app.id, T0 + i * 1000));
    const ids: Record<string, string> = {};
    for (const [i, msg] of m.entries()) {
      const ds = [newDelivery(e0.id, msg.createdAt), newDelivery(e1.id, msg.createdAt)];
      ids[`e0-${i}`] = ds[0]!.id;
      ids[`e1-${i}`] = ds[1]!.id;
      await store.messages.insertWithDeliveries(msg, ds);
    }
    // A future delivery, one leased until later (live), one whose lease expired.
    const future = message(app.id, now + 60_000);
    await store.messages.insertWithDeliveries(future, [newDelivery(e2.id, future.createdAt)]);
    const live = message(app.id, T0 + 5000);
    const liveD = newDelivery(e2.id, live.createdAt, { owner: "other", until: now + 1 });
    await store.messages.insertWithDeliveries(live, [liveD]);
    const expired = message(app.id, T0 + 6000);
    const expiredD = newDelivery(e2.id, expired.createdAt, { owner: "crashed", until: now });
    await store.messages.insertWithDeliveries(expired, [expiredD]);

    const first = await store.deliveries.claimDue("w1", now, now + 30_000, 3, [e1.id]);
    assert.deepEqual(
      first.map((d) => d.id),
      [ids["e0-0"], ids["e0-1"], ids["e0-2"]],
    );
    assert.ok(first.every((d) => d.leaseUntil === now + 30_000));
    assert.deepEqual(await lease(ids["e0-0"]!), { lease_owner: "w1", lease_until: now + 30_000 });

    const rest = await store.deliveries.claimDue("w2", now, now + 30_000, 100, [e0.id]);
    const restIds = rest.map((d) => d.id).sort(bytewise);
    const expectRest = [0, 1, 2, 3, 4].map((i) => ids[`e1-${i}`]!).concat(expiredD.id);
    assert.deepEqual(restIds, expectRest.sort(bytewise), "expired lease re-claimed; live lease and future skipped");
    assert.equal((await lease(expiredD.id))?.lease_owner, "w2");
    assert.equal((await lease(liveD.id))?.lease_owner, "other");
    assert.deepEqual(await store.deliveries.claimDue("w3", now, now + 1, 10, [e0.id]), []);
    assert.deepEqual(await store.deliveries.claimDue("w3", now, now + 1, 0, []), []);
    // Once its lease runs out the live one is claimable too.
    const later = await store.deliveries.claimDue("w3", now + 1, now + 2, 10, [e0.id, e1.id]);
    assert.deepEqual(
      later.map((d) => d.id),
      [liveD.id],
    );
    assert.equal(await store.deliveries.countPending(), 13);
  });

  test("claimDue: concurrent claimers never get the same delivery", async () => {
    await sql.query("DELETE FROM delivery");
    const { app, endpoints } = await seedApp(4);
    const all: string[] = [];
    for (let i = 0; i < 60; i++) {
      const msg = message(app.id, T0 + i);
      const ds = endpoints.map((e) => newDelivery(e.id, msg.createdAt));
      all.push(...ds.map((d) => d.id));
      await store.messages.insertWithDeliveries(msg, ds);
    }
    const now = T0 + 1_000_000;
    const claimed = new Map<string, string>();
    for (let round = 0; round < 20 && claimed.size < all.length; round++) {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, w) => store.deliveries.claimDue(`w${w}`, now, now + 60_000, 17, [])),
      );
      results.forEach((rows, w) => {
        for (const d of rows) {
          assert.equal(claimed.has(d.id), false, `${d.id} claimed by w${w} and ${claimed.get(d.id)}`);
          claimed.set(d.id, `w${w}`);
        }
      });
    }
    assert.deepEqual([...claimed.keys()].sort(bytewise), all.sort(bytewise));
    const owners = await sql.query<{ id: string; lease_owner: string }>("SELECT id, lease_owner FROM delivery");
    for (const r of owners.rows) assert.equal(r.lease_owner, claimed.get(r.id));
  });

  test("complete: attempts recorded, only the owner's leased rows change, endpoint health", async () => {
    await sql.query("DELETE FROM delivery");
    const { app, endpoints } = await seedApp(2);
    const [e0, e1] = endpoints as [Endpoint, Endpoint];
    const now = T0 + 500_000;
    const msgs = [0, 1, 2].map((i) => message(app.id, T0 + i));
    const ds = msgs.map((m) => newDelivery(e0.id, m.createdAt, { owner: "w1", until: now + 10_000 }));
    for (const [i, m] of msgs.entries()) await store.messages.insertWithDeliveries(m, [ds[i]!]);
    const m3 = message(app.id, T0 + 3);
    const d3 = newDelivery(e1.id, m3.createdAt, { owner: "w2", until: now + 10_000 });
    await store.messages.insertWithDeliveries(m3, [d3]);

    const a = [0, 1, 2].map((i) => attempt(msgs[i]!, e0.id, now + i));
    const a3 = attempt(m3, e1.id, now + 3, { response: "bad\u0000byte" });
    await store.deliveries.complete(
      "w1",
      [
        outcome(ds[0]!.id, { ...a[0]!, status: DeliveryStatus.Success, responseStatusCode: 200 }),
        outcome(ds[1]!.id, a[1]!, {
          status: DeliveryStatus.Sending,
          nextAttemptAt: now + 5000,
          endpointFailingSince: now,
        }),
        outcome(ds[0]!.id, attempt(msgs[0]!, e0.id, now + 4), { status: DeliveryStatus.Fail }),
        // Leased by w2, not w1: its attempt is recorded, its state is not touched.
        outcome(d3.id, a3, { status: DeliveryStatus.Fail, endpointFailingSince: now - 1, disableEndpoint: true }),
        outcome(ds[2]!.id, a[2]!, { status: DeliveryStatus.Fail, endpointFailingSince: now - 7 }),
      ],
      now + 100,
    );
    const d0 = await store.deliveries.get(app.id, msgs[0]!.id, e0.id);
    assert.deepEqual(
      [d0?.status, d0?.attemptCount, d0?.nextAttemptAt, d0?.updatedAt],
      [DeliveryStatus.Success, 1, null, now + 100],
      "the first outcome for a delivery wins",
    );
    const d1 = await store.deliveries.get(app.id, msgs[1]!.id, e0.id);
    assert.deepEqual([d1?.status, d1?.attemptCount, d1?.nextAttemptAt], [DeliveryStatus.Sending, 1, now + 5000]);
    assert.deepEqual(await lease(ds[1]!.id), { lease_owner: null, lease_until: null });
    const untouched = await store.deliveries.get(app.id, m3.id, e1.id);
    assert.deepEqual([untouched?.status, untouched?.attemptCount], [DeliveryStatus.Pending, 0]);
    assert.equal((await lease(d3.id))?.lease_owner, "w2");

    assert.equal((await store.attempts.listByMessage(app.id, msgs[0]!.id, {}, req(10))).data.length, 2);
    assert.equal((await store.attempts.get(app.id, m3.id, a3.id))?.response, "bad\uFFFDbyte", "U+0000 is not storable");
    const ep0 = await store.endpoints.get(app.id, e0.id);
    assert.deepEqual([ep0?.failingSince, ep0?.disabled], [now - 7, false], "the last outcome's failingSince wins");
    const ep1 = await store.endpoints.get(app.id, e1.id);
    assert.deepEqual([ep1?.failingSince, ep1?.disabled, ep1?.updatedAt], [now - 1, true, now + 100]);
    await store.deliveries.complete("w1", [], now);
  });

  test("renewLeases and releaseLeases touch only the owner's rows", async () => {
    await sql.query("DELETE FROM delivery");
    const { app, endpoints } = await seedApp(1);
    const now = T0 + 700_000;
    const mine = message(app.id, T0);
    const theirs = message(app.id, T0 + 1);
    const dm = newDelivery(endpoints[0]!.id, T0, { owner: "w1", until: now + 100 });
    const dt = newDelivery(endpoints[0]!.id, T0 + 1, { owner: "w2", until: now + 100 });
    await store.messages.insertWithDeliveries(mine, [dm]);
    await store.messages.insertWithDeliveries(theirs, [dt]);
    const leases = [
      { id: dm.id, msgId: mine.id },
      { id: dt.id, msgId: theirs.id },
    ];
    await store.deliveries.renewLeases("w1", leases, now + 5000);
    assert.deepEqual(await lease(dm.id), { lease_owner: "w1", lease_until: now + 5000 });
    assert.deepEqual(await lease(dt.id), { lease_owner: "w2", lease_until: now + 100 });
    assert.deepEqual(
      (await store.deliveries.claimDue("w3", now + 200, now + 300, 10, [])).map((d) => d.id),
      [dt.id],
      "the renewed lease holds past its old expiry",
    );
    await store.deliveries.releaseLeases("w1", leases);
    assert.deepEqual(await lease(dm.id), { lease_owner: null, lease_until: null });
    assert.equal((await lease(dt.id))?.lease_owner, "w3");
    assert.deepEqual(
      (await store.deliveries.claimDue("w4", now, now + 1, 10, [])).map((d) => d.id),
      [dm.id],
    );
    await store.deliveries.renewLeases("w1", [], now);
    await store.deliveries.releaseLeases("w1", []);
  });

  test("resend, recover, listings with filters, stats", async () => {
    await sql.query("DELETE FROM delivery");
    const { app, endpoints } = await seedApp(2);
    const [e0, e1] = endpoints as [Endpoint, Endpoint];
    const msgs = [0, 1, 2, 3].map((i) =>
      message(app.id, T0 + i * 1000, { channels: i % 2 ? ["odd"] : null, eventType: i < 2 ? "a" : "b" }),
    );
    for (const m of msgs)
      await store.messages.insertWithDeliveries(m, [newDelivery(e0.id, m.createdAt, { owner: "w", until: T0 })]);
    const now = T0 + 900_000;
    const claimed = await store.deliveries.claimDue("w", now, now + 10, 10, [e1.id]);
    const states = [DeliveryStatus.Success, DeliveryStatus.Fail, DeliveryStatus.Fail, DeliveryStatus.Sending];
    await store.deliveries.complete(
      "w",
      claimed
        .filter((d) => d.appId === app.id)
        .map((d) => {
          const i = msgs.findIndex((m) => m.id === d.msgId);
          const m = msgs[i]!;
          const a = attempt(m, e0.id, m.createdAt, {
            responseStatusCode: [200, 0, 503, 404][i]!,
            status: i === 0 ? DeliveryStatus.Success : DeliveryStatus.Fail,
          });
          return outcome(d.id, a, {
            status: states[i]!,
            nextAttemptAt: states[i] === DeliveryStatus.Sending ? now + 60_000 : null,
          });
        }),
      now,
    );

    assert.deepEqual(await store.deliveries.stats(app.id, e0.id, {}), {
      success: 1,
      pending: 0,
      sending: 1,
      fail: 2,
      canceled: 0,
    });
    assert.deepEqual(await store.deliveries.stats(app.id, e0.id, { after: T0 }), {
      success: 0,
      pending: 0,
      sending: 1,
      fail: 2,
      canceled: 0,
    });
    assert.deepEqual(await store.deliveries.stats(app.id, e1.id, {}), {
      success: 0,
      pending: 0,
      sending: 0,
      fail: 0,
      canceled: 0,
    });

    const byEndpoint = async (
      filter: Parameters<Store["deliveries"]["listByEndpoint"]>[2],
      order: Ordering = "ascending",
    ) => (await store.deliveries.listByEndpoint(app.id, e0.id, filter, req(10, order))).data.map((d) => d.msgId);
    assert.deepEqual(
      await byEndpoint({}),
      msgs.map((m) => m.id),
    );
    assert.deepEqual(await byEndpoint({}, "descending"), msgs.map((m) => m.id).reverse());
    assert.deepEqual(await byEndpoint({ status: DeliveryStatus.Fail }), [msgs[1]!.id, msgs[2]!.id]);
    assert.deepEqual(await byEndpoint({ channel: "odd" }), [msgs[1]!.id, msgs[3]!.id]);
    assert.deepEqual(await byEndpoint({ eventTypes: ["b"], before: T0 + 3000 }), [msgs[2]!.id]);

    const attempts = async (filter: Parameters<Store["attempts"]["listByEndpoint"]>[2]) =>
      (await store.attempts.listByEndpoint(app.id, e0.id, filter, req(10))).data.map((a) => a.msgId);
    assert.deepEqual(
      await attempts({}),
      msgs.map((m) => m.id),
    );
    assert.deepEqual(await attempts({ statusCodeClass: 0 }), [msgs[1]!.id]);
    assert.deepEqual(await attempts({ statusCodeClass: 500 }), [msgs[2]!.id]);
    assert.deepEqual(await attempts({ statusCodeClass: 200, status: DeliveryStatus.Success }), [msgs[0]!.id]);
    assert.deepEqual(await attempts({ tag: "none" }), []);
    assert.deepEqual(await attempts({ channel: "odd", after: T0 + 1000 }), [msgs[3]!.id]);
    assert.deepEqual(await attempts({ endpointId: e1.id }), []);
    const byMsg = await store.attempts.listByMessage(app.id, msgs[2]!.id, { eventTypes: ["b"] }, req(10));
    assert.equal(byMsg.data.length, 1);
    const a = byMsg.data[0]!;
    assert.deepEqual(await store.attempts.get(app.id, a.msgId, a.id), a);
    assert.equal(await store.attempts.get(app.id, msgs[0]!.id, a.id), undefined);
    await store.attempts.expungeContent(app.id, a.msgId, a.id);
    assert.equal((await store.attempts.get(app.id, a.msgId, a.id))?.response, null);
    const manual = attempt(msgs[0]!, e1.id, now, { triggerType: TriggerType.Manual });
    await store.attempts.insert(manual);
    assert.deepEqual(await store.attempts.get(app.id, msgs[0]!.id, manual.id), manual);

    // resend: a succeeded delivery goes back to pending, a failed one keeps its status, a missing one is created.
    await store.deliveries.resend(app.id, msgs[0]!.id, e0.id, newId("dlv"), now + 1);
    const again = await store.deliveries.get(app.id, msgs[0]!.id, e0.id);
    assert.deepEqual(
      [again?.status, again?.nextAttemptAt, again?.nextTrigger, again?.updatedAt],
      [DeliveryStatus.Pending, now + 1, TriggerType.Manual, now + 1],
    );
    await store.deliveries.resend(app.id, msgs[1]!.id, e0.id, newId("dlv"), now + 1);
    assert.equal((await store.deliveries.get(app.id, msgs[1]!.id, e0.id))?.status, DeliveryStatus.Fail);
    const fresh = newId("dlv");
    await store.deliveries.resend(app.id, msgs[0]!.id, e1.id, fresh, now + 2);
    const created = await store.deliveries.get(app.id, msgs[0]!.id, e1.id);
    assert.deepEqual(
      [created?.id, created?.status, created?.attemptCount, created?.nextTrigger, created?.createdAt],
      [fresh, DeliveryStatus.Pending, 0, TriggerType.Manual, now + 2],
    );
    assert.deepEqual(
      (await store.deliveries.listByMessage(app.id, msgs[0]!.id, req(10))).data.map((d) => d.endpointId),
      [e0.id, e1.id],
    );

    // recover: failed deliveries created in [since, until) only.
    assert.equal(await store.deliveries.recover(app.id, e0.id, T0 + 2000, T0 + 3000, now + 3), 1);
    const recovered = await store.deliveries.get(app.id, msgs[2]!.id, e0.id);
    assert.deepEqual(
      [recovered?.status, recovered?.nextAttemptAt, recovered?.nextTrigger],
      [DeliveryStatus.Pending, now + 3, TriggerType.Manual],
    );
    assert.equal((await store.deliveries.get(app.id, msgs[1]!.id, e0.id))?.status, DeliveryStatus.Fail);
    assert.equal(await store.deliveries.recover(app.id, e0.id, T0, T0 + 2000, now), 1);
    assert.equal(await store.deliveries.recover(app.id, e0.id, T0, T0 + 5000, now), 0);
  });

  test("idempotency: first put wins, a message insert never overrides a stored key, purge by age", async () => {
    await sql.query("DELETE FROM idempotency_key");
    await store.idempotency.put({ scope: "s", key: "a", statusCode: 200, body: "first" }, T0);
    await store.idempotency.put({ scope: "s", key: "a", statusCode: 500, body: "second" }, T0 + 1);
    assert.deepEqual(await store.idempotency.get("s", "a"), { scope: "s", key: "a", statusCode: 200, body: "first" });
    assert.equal(await store.idempotency.get("s", "b"), undefined);
    assert.equal(await store.idempotency.get("other", "a"), undefined);
    const { app } = await seedApp(0);
    // A message insert whose key another request already committed adds nothing and says so.
    const m = message(app.id, T0 + 50);
    await assert.rejects(
      store.messages.insertWithDeliveries(m, [], { scope: "s", key: "a", statusCode: 202, body: "msg" }),
      DuplicateIdempotencyKey,
    );
    assert.equal(await store.messages.get(app.id, m.id), undefined);
    assert.deepEqual(await store.idempotency.get("s", "a"), { scope: "s", key: "a", statusCode: 200, body: "first" });
    const fresh = message(app.id, T0 + 60);
    await store.messages.insertWithDeliveries(fresh, [], { scope: "s", key: "m", statusCode: 202, body: "msg" });
    assert.deepEqual(await store.idempotency.get("s", "m"), { scope: "s", key: "m", statusCode: 202, body: "msg" });
    await store.idempotency.put({ scope: "s", key: "old", statusCode: 200, body: "" }, T0 - 10);
    await store.idempotency.put({ scope: "s", key: "older", statusCode: 200, body: "" }, T0 - 20);
    assert.equal(await store.idempotency.purge(T0), 2);
    assert.equal(await store.idempotency.purge(T0), 0);
    assert.equal(await store.idempotency.get("s", "old"), undefined);
    assert.ok(await store.idempotency.get("s", "a"));
  });

  test("deleting an application cascades to everything it owns", async () => {
    const { app, endpoints } = await seedApp(1);
    const m = message(app.id, Date.now());
    await store.messages.insertWithDeliveries(m, [newDelivery(endpoints[0]!.id, m.createdAt)]);
    await store.attempts.insert(attempt(m, endpoints[0]!.id, m.createdAt));
    await store.applications.delete(app.id);
    for (const table of ["endpoint", "message", "delivery", "attempt"]) {
      assert.equal((await sql.query(`SELECT 1 FROM ${table} WHERE app_id = $1`, [app.id])).rowCount, 0, table);
    }
  });

  test("parity: the same scenario gives the same answers on SQLite and PostgreSQL", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hookline-parity-"));
    const sqlite = SqliteStore.open(dir, { synchronous: "NORMAL" });
    const pgStore = await PostgresStore.open(await cluster.createDatabase(icu ? { icuLocale: "en-US" } : {}));
    try {
      const fixtures = parityFixtures();
      const [expected, actual] = [await scenario(sqlite, fixtures), await scenario(pgStore, fixtures)];
      assert.equal(actual.length, expected.length);
      actual.forEach((value, i) => assert.deepStrictEqual(value, expected[i], `step ${i}`));
    } finally {
      await sqlite.close();
      await pgStore.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function currentDatabase(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ db: string }>("SELECT current_database() AS db")).rows[0]!.db;
}

// ---- parity scenario -------------------------------------------------------------------------

function parityFixtures() {
  const apps = [application(T0, { uid: "A" }), application(T0 + 1, { uid: "B" })];
  const [a, b] = apps as [Application, Application];
  const eps = [endpoint(a.id, T0, { uid: "e0" }), endpoint(a.id, T0 + 1), endpoint(a.id, T0 + 2), endpoint(b.id, T0)];
  const msgs = Array.from({ length: 14 }, (_, i) =>
    message(i < 12 ? a.id : b.id, T0 + 10_000 + i * 1000, {
      eventType: ["user.created", "user.deleted", "Order.paid"][i % 3]!,
      eventId: i % 4 === 0 ? `evt-${i}` : null,
      channels: i % 2 ? ["eu"] : i % 5 === 0 ? ["us", "eu"] : null,
      tags: i % 3 === 1 ? ["vip"] : null,
    }),
  );
  const deliveries = msgs.map((m) =>
    (m.appId === a.id ? eps.slice(0, (m.createdAt / 1000) % 2 ? 2 : 3) : [eps[3]!]).map((e, j) =>
      newDelivery(e.id, m.createdAt, j === 2 ? { owner: "api", until: T0 + 40_000 } : undefined),
    ),
  );
  const ids = Array.from({ length: 40 }, (_, i) => newId("atmpt", T0 + 100_000 + i));
  return { apps, eps, msgs, deliveries, ids, resendIds: [newId("dlv", T0 + 200_000), newId("dlv", T0 + 200_001)] };
}

async function scenario(s: Store, f: ReturnType<typeof parityFixtures>): Promise<unknown[]> {
  const out: unknown[] = [];
  const [a, b] = f.apps as [Application, Application];
  const eps = f.eps;
  for (const app of f.apps) await s.applications.insert(app);
  for (const e of eps) await s.endpoints.insert(e);
  for (const [i, name] of ["b.x", "B.y", "a.z", "_w"].entries()) {
    const et: EventType = {
      name,
      description: "",
      archived: i === 1,
      deprecated: false,
      schemas: null,
      groupName: null,
      featureFlags: null,
      retrySchedule: null,
      createdAt: T0,
      updatedAt: T0,
    };
    await s.eventTypes.insert(et);
  }
  await s.eventTypes.update({ ...(await s.eventTypes.get("a.z"))!, description: "changed", featureFlags: ["f"] });
  await s.eventTypes.delete("_w");
  for (const [i, m] of f.msgs.entries()) await s.messages.insertWithDeliveries(m, f.deliveries[i]!);
  out.push(await rejection(s.messages.insertWithDeliveries({ ...f.msgs[0]!, id: newId("msg", T0) }, [])));

  const now = T0 + 50_000;
  const c1 = byId(await s.deliveries.claimDue("w1", now, now + 10_000, 6, [eps[1]!.id]));
  const c2 = byId(await s.deliveries.claimDue("w2", now, now + 20_000, 100, []));
  out.push(c1, c2);
  let n = 0;
  const result = (d: { id: string; msgId: string; endpointId: string }, k: number): DeliveryOutcome => {
    const m = f.msgs.find((x) => x.id === d.msgId)!;
    const status = [DeliveryStatus.Success, DeliveryStatus.Sending, DeliveryStatus.Fail][k % 3]!;
    return outcome(
      d.id,
      attempt(m, d.endpointId, now + k, { id: f.ids[n++]!, responseStatusCode: [200, 503, 0][k % 3]! }),
      {
        status,
        nextAttemptAt: status === DeliveryStatus.Sending ? now + 30_000 : null,
        endpointFailingSince: status === DeliveryStatus.Success ? null : now - k,
        disableEndpoint: k === 4,
      },
    );
  };
  await s.deliveries.complete("w1", [...c1.map(result), result(c2[0]!, 7)], now + 1);
  await s.deliveries.complete("w2", c2.slice(0, 5).map(result), now + 2);
  await s.deliveries.renewLeases("w2", c2.slice(5, 8), now + 40_000);
  await s.deliveries.releaseLeases("w2", c2.slice(8, 10));
  out.push(byId(await s.deliveries.claimDue("w3", now + 25_000, now + 26_000, 100, [eps[2]!.id])));
  out.push(byId(await s.deliveries.claimDue("w4", now + 31_000, now + 32_000, 100, [])));
  await s.deliveries.resend(a.id, f.msgs[0]!.id, eps[0]!.id, f.resendIds[0]!, now + 3);
  await s.deliveries.resend(a.id, f.msgs[1]!.id, eps[2]!.id, f.resendIds[1]!, now + 3);
  out.push(await s.deliveries.recover(a.id, eps[2]!.id, T0 + 10_000, T0 + 30_000, now + 4));
  await s.attempts.expungeContent(a.id, f.msgs[0]!.id, f.ids[0]!);
  await s.messages.expungeContent(a.id, f.msgs[3]!.id);
  await s.idempotency.put({ scope: "x", key: "k", statusCode: 201, body: "b" }, T0);

  out.push(await s.applications.get("A"), await s.applications.get(b.id), await s.endpoints.get(a.id, "e0"));
  out.push(
    await s.endpoints.listAll(a.id),
    await s.messages.get(a.id, "evt-4"),
    await s.messages.getMany(
      a.id,
      f.msgs.map((m) => m.id),
    ),
  );
  out.push(await s.idempotency.get("x", "k"), await s.deliveries.countPending());
  for (const e of eps)
    out.push(
      await s.deliveries.stats(e.appId, e.id, {}),
      await s.deliveries.stats(e.appId, e.id, { after: T0 + 15_000 }),
    );
  for (const order of ["ascending", "descending"] as const) {
    for (const limit of [1, 4, 50]) {
      out.push(await walk((p) => s.applications.list(p), limit, order));
      out.push(await walk((p) => s.eventTypes.list(p, false), limit, order));
      out.push(await walk((p) => s.eventTypes.list(p, true), limit, order));
      out.push(await walk((p) => s.endpoints.list(a.id, p), limit, order));
      for (const filter of [
        {},
        { channel: "eu" },
        { tag: "vip" },
        { eventTypes: ["Order.paid", "user.deleted"] },
        { after: T0 + 12_000, before: T0 + 19_000 },
      ]) {
        out.push(await walk((p) => s.messages.list(a.id, filter, p), limit, order));
        out.push(await walk((p) => s.deliveries.listByEndpoint(a.id, eps[0]!.id, filter, p), limit, order));
        out.push(await walk((p) => s.attempts.listByEndpoint(a.id, eps[0]!.id, filter, p), limit, order));
      }
      for (const filter of [{ status: DeliveryStatus.Fail }, { status: DeliveryStatus.Sending, channel: "eu" }]) {
        out.push(await walk((p) => s.deliveries.listByEndpoint(a.id, eps[1]!.id, filter, p), limit, order));
      }
      for (const filter of [
        { statusCodeClass: 0 },
        { statusCodeClass: 200 },
        { statusCodeClass: 500 },
        { status: DeliveryStatus.Fail },
        { endpointId: eps[1]!.id },
      ]) {
        out.push(await walk((p) => s.attempts.listByEndpoint(a.id, eps[1]!.id, filter, p), limit, order));
        out.push(await walk((p) => s.attempts.listByMessage(a.id, f.msgs[0]!.id, filter, p), limit, order));
      }
      for (const m of f.msgs.slice(0, 3))
        out.push(await walk((p) => s.deliveries.listByMessage(a.id, m.id, p), limit, order));
    }
  }
  for (const [i, m] of f.msgs.entries()) {
    for (const d of f.deliveries[i]!) out.push(await s.deliveries.get(m.appId, m.id, d.endpointId));
  }
  out.push(await s.idempotency.purge(T0 + 1));
  await s.applications.delete(b.id);
  out.push(
    await s.applications.get(b.id),
    await s.messages.get(b.id, f.msgs[13]!.id),
    await s.deliveries.countPending(),
  );
  return out;
}
