/** Contract cases: API tokens, the audit log, address lists, settings, idempotent responses, integrations. */
import assert from "node:assert/strict";
import type { Integration } from "../../src/core/entities.ts";
import { req, T0, walk } from "../support/store-fixtures.ts";
import { apiToken, seedApp } from "./records.ts";
import { fixedId, type StoreCase } from "./store-case.ts";

export const accessCases: StoreCase[] = [
  {
    name: "tokens: a record reads back equal (portal grant, address list, nulls), by id or hash; the hash is unique",
    async run(s) {
      const { app } = await seedApp(s, 0);
      const admin = apiToken(T0, { allowedIps: ["10.0.0.0/8", "list:office"], expiresAt: T0 + 1000 });
      const portal = apiToken(T0 + 1, {
        appId: app.id,
        portal: {
          capabilities: ["ViewBase", "ManageEndpoint"],
          readOnly: true,
          featureFlags: ["beta"],
          sessionId: "s1",
        },
      });
      await s.tokens.insert(admin);
      await s.tokens.insert(portal);
      assert.deepEqual(await s.tokens.get(admin.id), admin);
      assert.deepEqual(await s.tokens.byHash(portal.tokenHash), portal);
      assert.equal(await s.tokens.byHash("nope"), undefined);
      await assert.rejects(s.tokens.insert(apiToken(T0 + 2, { tokenHash: admin.tokenHash })));
      await s.tokens.revoke(admin.id, T0 + 5);
      await s.tokens.revoke(admin.id, T0 + 9);
      assert.equal(
        (await s.tokens.get(admin.id))?.revokedAt,
        T0 + 5,
        "a revoked token stays revoked at its first time",
      );
    },
  },
  {
    name: "tokens: list all or one application's, in pages; expirePortalSessions ends sessions by application and id",
    async run(s) {
      const { app } = await seedApp(s, 0);
      const other = await seedApp(s, 0, T0 + 1);
      const grant = (sessionId: string | null) => ({
        capabilities: ["ViewBase"],
        readOnly: false,
        featureFlags: [],
        sessionId,
      });
      const tokens = [
        apiToken(T0 + 10),
        apiToken(T0 + 11, { appId: app.id, portal: grant("a") }),
        apiToken(T0 + 12, { appId: app.id, portal: grant("b") }),
        apiToken(T0 + 13, { appId: app.id, portal: grant(null), revokedAt: T0 + 50 }),
        apiToken(T0 + 14, { appId: app.id }),
        apiToken(T0 + 15, { appId: other.app.id, portal: grant("a") }),
      ];
      for (const t of tokens) await s.tokens.insert(t);
      const { forward } = await walk((p) => s.tokens.list(p, app.id), 3, "descending");
      assert.deepEqual(
        forward.map((p) => p.data.map((t) => t.id)),
        [[tokens[4]!.id, tokens[3]!.id, tokens[2]!.id], [tokens[1]!.id]],
      );
      assert.equal((await s.tokens.list(req(50))).data.length, 6);
      assert.deepEqual(await s.tokens.expirePortalSessions(app.id, T0 + 20, ["b", "zz"]), [tokens[2]!.tokenHash]);
      assert.deepEqual(
        (await s.tokens.expirePortalSessions(app.id, T0 + 30)).sort(),
        [tokens[1]!.tokenHash, tokens[3]!.tokenHash].sort(),
        "sessions not ended by then, the one ending later included",
      );
      const revokedAt = async (i: number) => (await s.tokens.get(tokens[i]!.id))?.revokedAt;
      assert.deepEqual(
        [await revokedAt(1), await revokedAt(2), await revokedAt(3), await revokedAt(4), await revokedAt(5)],
        [T0 + 30, T0 + 20, T0 + 30, null, null],
      );
    },
  },
  {
    name: "audit log: entries read back equal, newest first, all or one application's",
    async run(s) {
      const entry = (t: number, appId: string | null) => ({
        id: fixedId("audit", t),
        actor: "admin",
        action: "POST /api/v1/app",
        path: "/api/v1/app",
        appId,
        status: 201,
        createdAt: t,
        clientIp: appId ? "192.0.2.7" : null,
        detail: appId ? null : "outside allowedIps",
      });
      const entries = [entry(T0, null), entry(T0 + 1, "app_a"), entry(T0 + 2, "app_b"), entry(T0 + 3, "app_a")];
      for (const e of entries) await s.audit.append(e);
      assert.deepEqual((await s.audit.list(req(10, "descending"))).data, [...entries].reverse());
      assert.deepEqual((await s.audit.list(req(1), "app_a")).data, [entries[1]]);
    },
  },
  {
    name: "address lists: put creates or replaces (keeping createdAt), list by name, delete",
    async run(s) {
      const list = (name: string, t: number, entries: string[]) => ({
        name,
        description: `${name} ranges`,
        entries,
        createdAt: t,
        updatedAt: t,
      });
      await s.ipLists.put(list("office", T0, ["192.0.2.0/24"]));
      await s.ipLists.put(list("Github", T0 + 1, ["140.82.112.0/20", "2a0a:a440::/29"]));
      assert.deepEqual(await s.ipLists.get("Github"), list("Github", T0 + 1, ["140.82.112.0/20", "2a0a:a440::/29"]));
      await s.ipLists.put(list("office", T0 + 5, []));
      assert.deepEqual(await s.ipLists.get("office"), { ...list("office", T0 + 5, []), createdAt: T0 });
      assert.deepEqual(
        (await s.ipLists.list(req(10))).data.map((l) => l.name),
        ["Github", "office"],
      );
      assert.equal(await s.ipLists.delete("office"), true);
      assert.equal(await s.ipLists.delete("office"), false);
      assert.equal(await s.ipLists.get("office"), undefined);
    },
  },
  {
    name: "settings: putIfAbsent keeps the first value, put replaces it (and the store answers ping)",
    async run(s) {
      await s.ping();
      assert.equal(await s.settings.get("k"), undefined);
      assert.equal(await s.settings.putIfAbsent("k", "first"), "first");
      assert.equal(await s.settings.putIfAbsent("k", "second"), "first");
      await s.settings.put("k", "third");
      assert.equal(await s.settings.get("k"), "third");
    },
  },
  {
    name: "idempotency: the first response for a key wins, per scope; purge forgets old keys",
    async run(s) {
      await s.idempotency.put({ scope: "s", key: "a", statusCode: 200, body: "first" }, T0);
      await s.idempotency.put({ scope: "s", key: "a", statusCode: 500, body: "second" }, T0 + 1);
      await s.idempotency.put({ scope: "t", key: "a", statusCode: 201, body: "" }, T0 - 10);
      await s.idempotency.put({ scope: "s", key: "old", statusCode: 200, body: "é" }, T0 - 20);
      assert.deepEqual(await s.idempotency.get("s", "a"), { scope: "s", key: "a", statusCode: 200, body: "first" });
      assert.deepEqual(await s.idempotency.get("t", "a"), { scope: "t", key: "a", statusCode: 201, body: "" });
      assert.equal(await s.idempotency.get("u", "a"), undefined);
      assert.equal(await s.idempotency.purge(T0), 2);
      assert.equal(await s.idempotency.purge(T0), 0);
      assert.deepEqual(await s.idempotency.get("s", "old"), undefined);
      assert.ok(await s.idempotency.get("s", "a"));
    },
  },
  {
    name: "integrations: insert with its token, list, update, rotate (old token revoked), delete (token revoked)",
    async run(s) {
      const { app } = await seedApp(s, 0);
      const token = apiToken(T0 + 1, { appId: app.id, name: "integration" });
      const integration: Integration = {
        id: fixedId("integ", T0 + 1),
        appId: app.id,
        name: "CRM",
        featureFlags: ["beta"],
        key: "key-1",
        tokenId: token.id,
        createdAt: T0 + 1,
        updatedAt: T0 + 1,
      };
      await s.integrations.insert(integration, token);
      assert.deepEqual(await s.integrations.get(app.id, integration.id), integration);
      assert.equal(await s.integrations.get(fixedId("app", T0 + 9), integration.id), undefined);
      assert.equal((await s.tokens.get(token.id))?.revokedAt, null);
      const renamed = { ...integration, name: "CRM 2", featureFlags: null, updatedAt: T0 + 2 };
      await s.integrations.update(renamed);
      assert.deepEqual((await s.integrations.list(app.id, req(10))).data, [renamed]);
      const next = apiToken(T0 + 3, { appId: app.id, name: "integration" });
      await s.integrations.rotateKey(app.id, integration.id, "key-2", next, T0 + 3);
      assert.deepEqual(await s.integrations.get(app.id, integration.id), {
        ...renamed,
        key: "key-2",
        tokenId: next.id,
        updatedAt: T0 + 3,
      });
      assert.equal((await s.tokens.get(token.id))?.revokedAt, T0 + 3);
      await s.integrations.delete(app.id, integration.id, T0 + 4);
      assert.equal(await s.integrations.get(app.id, integration.id), undefined);
      assert.equal((await s.tokens.get(next.id))?.revokedAt, T0 + 4);
    },
  },
  {
    name: "inspectors: live ones newest first; requests kept up to a limit, newest first; delete and expiry",
    async run(s) {
      const { app } = await seedApp(s, 0);
      const inspector = (t: number, expiresAt: number) => ({
        id: fixedId("insp", t),
        appId: app.id,
        url: `https://inspect.test/${t}`,
        createdAt: t,
        expiresAt,
      });
      const [a, b, c] = [inspector(T0, T0 + 100), inspector(T0 + 1, T0 + 1000), inspector(T0 + 2, T0 + 50)];
      for (const i of [a, b, c]) await s.inspectors.insert(i);
      assert.deepEqual(await s.inspectors.get(a.id), a);
      assert.deepEqual(await s.inspectors.listLive(app.id, T0 + 60), [b, a]);
      const request = (t: number) => ({
        id: fixedId("ireq", t),
        inspectorId: a.id,
        receivedAt: t,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"é":1}',
        bodyBytes: 9,
        truncated: t % 2 === 0,
      });
      for (let t = T0 + 10; t < T0 + 14; t++) await s.inspectors.record(request(t), 3);
      assert.deepEqual(await s.inspectors.requests(a.id, 10), [request(T0 + 13), request(T0 + 12), request(T0 + 11)]);
      assert.deepEqual(await s.inspectors.requests(a.id, 1), [request(T0 + 13)]);
      assert.equal(await s.inspectors.delete(fixedId("app", T0 + 9), b.id), false);
      assert.equal(await s.inspectors.delete(app.id, b.id), true);
      assert.equal(await s.inspectors.deleteExpired(T0 + 100), 2);
      assert.equal(await s.inspectors.get(a.id), undefined);
      assert.deepEqual(await s.inspectors.requests(a.id, 10), []);
    },
  },
];
