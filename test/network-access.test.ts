import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { ForwardingProxy } from "./support/forwarding-proxy.ts";
import { requestFrom } from "./support/from-address.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

/** The proxy's connections to Hookline leave from here; the server trusts this address only. */
const PROXY_ADDRESS = "127.0.0.10";

/**
 * Network access control end to end: requests from distinct loopback addresses (127.0.0.2,
 * 127.0.0.3, …), directly and through a real forwarding proxy hop, against a real Hookline.
 */
describe("network access control", () => {
  let h: TestHookline;
  let proxy: ForwardingProxy;

  before(async () => {
    h = await startTestHookline({ HOOKLINE_TRUSTED_PROXIES: `${PROXY_ADDRESS}/32` });
    proxy = await ForwardingProxy.start(h.url, PROXY_ADDRESS);
  });
  after(async () => {
    await proxy.close();
    await h.close();
  });

  async function source(body: Record<string, unknown>) {
    const created = await h.api("POST", "/ingest/api/v1/source", { name: "acl", type: "generic-webhook", ...body });
    assert.equal(created.status, 201, created.text);
    return {
      id: created.body.id as string,
      appId: created.body.appId as string,
      path: new URL(created.body.ingestUrl).pathname,
    };
  }

  const post = (from: string, base: string, path: string, headers: Record<string, string> = {}) =>
    requestFrom(from, base + path, { headers: { "content-type": "application/json", ...headers }, body: '{"n":1}' });

  async function logOf(sourceId: string) {
    const log = await h.api("GET", `/ingest/api/v1/source/${sourceId}/log?limit=50&order=ascending`);
    assert.equal(log.status, 200, log.text);
    return log.body.data as {
      outcome: string;
      status_code: number;
      error_text: string;
      client_ip: string;
      payload: string;
    }[];
  }

  async function messageCount(appId: string): Promise<number> {
    const list = await h.api("GET", `/api/v1/app/${appId}/msg?limit=250`);
    assert.equal(list.status, 200, list.text);
    return list.body.data.length;
  }

  it("accepts listed addresses, refuses unlisted and denied ones before storing, and logs address and rule", async () => {
    const partners = await h.api("POST", "/api/v1/ip-list", {
      name: "partners",
      entries: ["127.0.0.5/32", "2001:db8::/32"],
    });
    assert.equal(partners.status, 201, partners.text);
    const s = await source({ allowedIps: ["127.0.0.2", "127.0.0.4", "list:partners"], deniedIps: ["127.0.0.4/32"] });

    assert.equal((await post("127.0.0.2", h.url, s.path)).status, 200);
    assert.equal((await post("127.0.0.5", h.url, s.path)).status, 200, "an address of the named list is allowed");
    const unlisted = await post("127.0.0.3", h.url, s.path);
    assert.equal(unlisted.status, 403);
    assert.equal(unlisted.body.code, "address_not_allowed");
    assert.equal((await post("127.0.0.4", h.url, s.path)).status, 403, "the deny list wins over the allow list");

    assert.equal(await messageCount(s.appId), 2, "only the allowed requests became messages");
    const log = await logOf(s.id);
    assert.deepEqual(
      log.map((e) => [e.outcome, e.status_code, e.client_ip]),
      [
        ["accepted", 200, "127.0.0.2"],
        ["accepted", 200, "127.0.0.5"],
        ["blocked", 403, "127.0.0.3"],
        ["blocked", 403, "127.0.0.4"],
      ],
    );
    assert.match(log[2]!.error_text, /127\.0\.0\.3 is not in any allowedIps entry/);
    assert.match(log[3]!.error_text, /127\.0\.0\.4 is in deniedIps entry 127\.0\.0\.4\/32/);
    assert.equal(log[2]!.payload, "", "a refused body is not stored, not even in the log");
  });

  it("names the named list entry that denied a client", async () => {
    await h.api("PUT", "/api/v1/ip-list/abusers", { entries: ["127.0.0.6/31"] });
    const s = await source({ deniedIps: ["list:abusers"] });
    assert.equal((await post("127.0.0.2", h.url, s.path)).status, 200, "no allow list: anyone not denied");
    assert.equal((await post("127.0.0.7", h.url, s.path)).status, 403);
    const log = await logOf(s.id);
    assert.match(log[1]!.error_text, /127\.0\.0\.7 is in deniedIps entry list:abusers \(127\.0\.0\.6\/31\)/);
  });

  it("ignores X-Forwarded-For and Forwarded from a peer that is not a trusted proxy", async () => {
    const s = await source({ allowedIps: ["127.0.0.2"] });
    const spoofed = await post("127.0.0.3", h.url, s.path, { "x-forwarded-for": "127.0.0.2" });
    assert.equal(spoofed.status, 403);
    const forwarded = await post("127.0.0.3", h.url, s.path, { forwarded: "for=127.0.0.2" });
    assert.equal(forwarded.status, 403);
    const log = await logOf(s.id);
    assert.deepEqual(
      log.map((e) => e.client_ip),
      ["127.0.0.3", "127.0.0.3"],
    );
  });

  it("reads the client through a trusted proxy hop, and a client's own X-Forwarded-For changes nothing", async () => {
    const s = await source({ allowedIps: ["127.0.0.2"] });
    assert.equal((await post("127.0.0.2", proxy.url, s.path)).status, 200, "allowed client through the proxy");
    assert.equal((await post("127.0.0.3", proxy.url, s.path)).status, 403, "unlisted client through the proxy");
    // The client claims to be 127.0.0.2; the proxy appends the real 127.0.0.3, which is what counts.
    const spoofed = await post("127.0.0.3", proxy.url, s.path, { "x-forwarded-for": "127.0.0.2" });
    assert.equal(spoofed.status, 403);
    const log = await logOf(s.id);
    assert.deepEqual(
      log.map((e) => [e.outcome, e.client_ip]),
      [
        ["accepted", "127.0.0.2"],
        ["blocked", "127.0.0.3"],
        ["blocked", "127.0.0.3"],
      ],
    );
  });

  it("refuses a token used from outside its allowedIps, and the audit log says so", async () => {
    const issued = await h.api("POST", "/api/v1/auth/token", { name: "ci", allowedIps: ["127.0.0.2/32"] });
    assert.equal(issued.status, 201, issued.text);
    assert.deepEqual(issued.body.allowedIps, ["127.0.0.2/32"]);
    const auth = { authorization: `Bearer ${issued.body.token}` };
    const inside = await requestFrom("127.0.0.2", `${h.url}/api/v1/app`, { method: "GET", headers: auth });
    assert.equal(inside.status, 200, inside.text);
    const outside = await requestFrom("127.0.0.3", `${h.url}/api/v1/app`, { method: "GET", headers: auth });
    assert.equal(outside.status, 403);
    assert.equal(outside.body.code, "address_not_allowed");
    const viaProxy = await requestFrom("127.0.0.3", `${proxy.url}/api/v1/app`, { method: "GET", headers: auth });
    assert.equal(viaProxy.status, 403, "through the trusted proxy the client is still 127.0.0.3");
    const viaProxyInside = await requestFrom("127.0.0.2", `${proxy.url}/api/v1/app`, { method: "GET", headers: auth });
    assert.equal(viaProxyInside.status, 200);

    const audit = await h.api("GET", "/api/v1/audit-log?limit=250");
    const refusals = audit.body.data.filter((e: { actor: string; status: number }) => e.actor === issued.body.id);
    assert.equal(refusals.length, 1, "one entry a second per token and address");
    assert.equal(refusals[0].status, 403);
    assert.equal(refusals[0].clientIp, "127.0.0.3");
    assert.equal(refusals[0].action, "GET /api/v1/app");
    assert.match(refusals[0].detail, /outside the token's allowedIps/);
  });

  it("confines app portal tokens the same way", async () => {
    const app = await h.api("POST", "/api/v1/app", { name: "portal" });
    const portal = await h.api("POST", `/api/v1/auth/app-portal-access/${app.body.id}`, { allowedIps: ["127.0.0.2"] });
    assert.equal(portal.status, 200, portal.text);
    const auth = { authorization: `Bearer ${portal.body.token}` };
    const path = `/api/v1/app/${app.body.id}/endpoint`;
    assert.equal((await requestFrom("127.0.0.2", h.url + path, { method: "GET", headers: auth })).status, 200);
    assert.equal((await requestFrom("127.0.0.3", h.url + path, { method: "GET", headers: auth })).status, 403);
  });

  it("records the client address of every configuration change in the audit log", async () => {
    const created = await requestFrom("127.0.0.8", `${proxy.url}/api/v1/app`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" },
      body: '{"name":"audited"}',
    });
    assert.equal(created.status, 201, created.text);
    const audit = await h.api("GET", "/api/v1/audit-log?limit=250");
    const entry = audit.body.data.find((e: { path: string }) => e.path === "/api/v1/app");
    assert.equal(entry.clientIp, "127.0.0.8", "the client behind the trusted proxy, not the proxy");
    assert.equal(entry.detail, null);
  });

  it("refuses malformed entries with a 422 naming them, and lists over the size limit", async () => {
    const bad = await h.api("POST", "/ingest/api/v1/source", {
      name: "bad",
      type: "generic-webhook",
      allowedIps: ["10.0.0.0/8", "10.0.0.0/33"],
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.detail[0].loc, ["body", "allowedIps", "1"]);
    assert.match(bad.body.detail[0].msg, /"10\.0\.0\.0\/33" is not an IPv4 or IPv6 address or CIDR/);

    const missing = await h.api("POST", "/ingest/api/v1/source", {
      name: "bad",
      type: "generic-webhook",
      deniedIps: ["list:nonexistent"],
    });
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.body.detail[0].loc, ["body", "deniedIps", "0"]);

    const token = await h.api("POST", "/api/v1/auth/token", { allowedIps: ["not-an-address"] });
    assert.equal(token.status, 422);
    assert.deepEqual(token.body.detail[0].loc, ["body", "allowedIps", "0"]);

    const list = await h.api("PUT", "/api/v1/ip-list/broken", { entries: ["192.0.2.0/24", "fe80::/129"] });
    assert.equal(list.status, 422);
    assert.deepEqual(list.body.detail[0].loc, ["body", "entries", "1"]);

    const tooMany = Array.from({ length: 1001 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const big = await h.api("POST", "/ingest/api/v1/source", {
      name: "big",
      type: "generic-webhook",
      allowedIps: tooMany,
    });
    assert.equal(big.status, 422);
    assert.deepEqual(big.body.detail[0].loc, ["body", "allowedIps"]);
  });

  it("manages named lists, and refuses to delete one in use", async () => {
    const created = await h.api("PUT", "/api/v1/ip-list/github-hooks", {
      description: "GitHub hooks ranges",
      entries: ["192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "143.55.64.0/20", "2a0a:a440::/29"],
    });
    assert.equal(created.status, 201, created.text);
    assert.equal((await h.api("POST", "/api/v1/ip-list", { name: "github-hooks", entries: [] })).status, 409);
    const replaced = await h.api("PUT", "/api/v1/ip-list/github-hooks", { entries: ["192.30.252.0/22"] });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.description, "GitHub hooks ranges");
    assert.deepEqual((await h.api("GET", "/api/v1/ip-list/github-hooks")).body.entries, ["192.30.252.0/22"]);
    const names = (await h.api("GET", "/api/v1/ip-list")).body.data.map((l: { name: string }) => l.name);
    assert.ok(names.includes("github-hooks"));

    const s = await source({ allowedIps: ["list:github-hooks"] });
    const refused = await h.api("DELETE", "/api/v1/ip-list/github-hooks");
    assert.equal(refused.status, 409);
    assert.match(refused.body.detail, new RegExp(`source ${s.id}`));
    assert.equal((await h.api("PATCH", `/ingest/api/v1/source/${s.id}`, { allowedIps: null })).status, 200);
    assert.equal((await h.api("DELETE", "/api/v1/ip-list/github-hooks")).status, 204);
    assert.equal((await h.api("GET", "/api/v1/ip-list/github-hooks")).status, 404);
  });

  it("applies a named list's change at once in the process that made it", async () => {
    await h.api("PUT", "/api/v1/ip-list/moving", { entries: ["127.0.0.2"] });
    const s = await source({ allowedIps: ["list:moving"] });
    assert.equal((await post("127.0.0.2", h.url, s.path)).status, 200);
    assert.equal((await post("127.0.0.3", h.url, s.path)).status, 403);
    await h.api("PUT", "/api/v1/ip-list/moving", { entries: ["127.0.0.3"] });
    assert.equal((await post("127.0.0.3", h.url, s.path)).status, 200);
    assert.equal((await post("127.0.0.2", h.url, s.path)).status, 403);
  });
});

describe("a flood from a refused address", () => {
  let h: TestHookline;
  // A stopped clock: the bucket of log writes for refused requests never refills during the test.
  const clock = new ManualClock(Date.now());
  before(async () => {
    h = await startTestHookline({ HOOKLINE_INGEST_RATE_LIMIT: "3", HOOKLINE_MAX_BODY_BYTES: "1024" }, { clock });
  });
  after(async () => h.close());

  it("is answered 403 every time but logged at most the source's rate a second, and gets no handshake", async () => {
    const created = await h.api("POST", "/ingest/api/v1/source", {
      name: "flood",
      type: "generic-webhook",
      deniedIps: ["127.0.0.3"],
    });
    const url = h.url + new URL(created.body.ingestUrl).pathname;
    for (let i = 0; i < 8; i++) {
      const r = await requestFrom("127.0.0.3", url, { headers: { "content-type": "application/json" }, body: "{}" });
      assert.equal(r.status, 403);
    }
    const log = await h.api("GET", `/ingest/api/v1/source/${created.body.id}/log?limit=50`);
    assert.equal(log.body.data.length, 3);
    assert.ok(log.body.data.every((e: { outcome: string }) => e.outcome === "blocked"));
    const handshake = await requestFrom("127.0.0.3", url, {
      method: "OPTIONS",
      headers: { "webhook-request-origin": "events.example.com" },
    });
    assert.equal(handshake.status, 403);
    const allowed = await requestFrom("127.0.0.2", url, {
      method: "OPTIONS",
      headers: { "webhook-request-origin": "events.example.com" },
    });
    assert.equal(allowed.status, 200);
  });

  it("is refused before its body is read: an oversized body gets 403, not 413", async () => {
    const created = await h.api("POST", "/ingest/api/v1/source", {
      name: "early",
      type: "generic-webhook",
      deniedIps: ["127.0.0.3"],
    });
    const url = h.url + new URL(created.body.ingestUrl).pathname;
    const big = { headers: { "content-type": "application/json" }, body: `{"pad":"${"x".repeat(4096)}"}` };
    assert.equal((await requestFrom("127.0.0.3", url, big)).status, 403);
    assert.equal((await requestFrom("127.0.0.2", url, big)).status, 413, "an allowed sender's body is read");
  });
});

describe("HOOKLINE_API_ALLOWED_IPS", () => {
  let h: TestHookline;
  before(async () => {
    h = await startTestHookline({ HOOKLINE_API_ALLOWED_IPS: "127.0.0.1,127.0.0.2" });
  });
  after(async () => h.close());

  it("answers the management API only inside the list; health checks and ingest URLs stay open", async () => {
    const auth = { authorization: `Bearer ${TEST_TOKEN}` };
    assert.equal((await requestFrom("127.0.0.2", `${h.url}/api/v1/app`, { method: "GET", headers: auth })).status, 200);
    const outside = await requestFrom("127.0.0.3", `${h.url}/api/v1/app`, { method: "GET", headers: auth });
    assert.equal(outside.status, 403);
    assert.equal(outside.body.code, "address_not_allowed");
    const spoofed = await requestFrom("127.0.0.3", `${h.url}/api/v1/app`, {
      method: "GET",
      headers: { ...auth, "x-forwarded-for": "127.0.0.2" },
    });
    assert.equal(spoofed.status, 403, "no trusted proxies: the header is not read");
    assert.ok((await requestFrom("127.0.0.3", `${h.url}/api/v1/health`, { method: "GET" })).status < 300);

    const created = await h.api("POST", "/ingest/api/v1/source", { name: "open", type: "generic-webhook" });
    const ingest = await requestFrom("127.0.0.3", h.url + new URL(created.body.ingestUrl).pathname, {
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(ingest.status, 200);
  });
});
