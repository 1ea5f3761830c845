import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestHookline, TEST_TOKEN, type ApiResponse, type TestHookline } from "./support/hookline.ts";

/**
 * Error answers over raw HTTP: each bad request gets the Svix status and body shape
 * (`{code, detail}`, or `{detail: [{loc, msg, type}]}` for 422), and none of them a 5xx.
 */

const JSON_HEADERS = { "content-type": "application/json" };

describe("API errors", () => {
  let hookline: TestHookline;
  let appId: string;
  let endpointId: string;
  let msgId: string;

  /** Every response of this suite goes through here: nothing a client sends may produce a 5xx. */
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse> {
    const res = await hookline.api(method, path, body, headers);
    assert.ok(res.status < 500, `${method} ${path} answered ${res.status}: ${res.text}`);
    return res;
  }

  /** Asserts a `{code, detail}` error body with this status. */
  async function expectError(
    status: number,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse> {
    const res = await call(method, path, body, headers);
    assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
    assert.equal(typeof res.body?.code, "string", res.text);
    assert.equal(typeof res.body?.detail, "string", res.text);
    return res;
  }

  /** Asserts a 422 whose details include one located at `loc`. */
  async function expect422(method: string, path: string, body: unknown, loc: string[]): Promise<ApiResponse> {
    const res = await call(method, path, body);
    assert.equal(res.status, 422, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
    assert.ok(Array.isArray(res.body?.detail) && res.body.detail.length > 0, res.text);
    for (const d of res.body.detail) {
      assert.ok(Array.isArray(d.loc) && typeof d.msg === "string" && typeof d.type === "string", res.text);
    }
    assert.ok(
      res.body.detail.some((d: { loc: string[] }) => JSON.stringify(d.loc) === JSON.stringify(loc)),
      `expected a detail at ${JSON.stringify(loc)}, got ${res.text}`,
    );
    return res;
  }

  before(async () => {
    hookline = await startTestHookline();
    appId = (await call("POST", "/api/v1/app", { name: "errors", uid: "errors-app" })).body.id;
    endpointId = (
      await call("POST", `/api/v1/app/${appId}/endpoint`, {
        url: "https://example.invalid/h",
        uid: "ep-uid",
        disabled: true,
      })
    ).body.id;
    msgId = (await call("POST", `/api/v1/app/${appId}/msg`, { eventType: "a.b", payload: {}, eventId: "evt-dup" })).body
      .id;
  });

  after(async () => {
    await hookline?.close();
  });

  test("400 for a body that is not JSON", async () => {
    const res = await expectError(400, "POST", "/api/v1/app", "{not json", JSON_HEADERS);
    assert.equal(res.body.code, "invalid_json");
    await expectError(400, "POST", `/api/v1/app/${appId}/msg`, '{"eventType": "a.b", "payload": {', JSON_HEADERS);
    await expectError(400, "PATCH", `/api/v1/app/${appId}`, "[1,", JSON_HEADERS);
    // A malformed percent-escape in the path is the client's error too, in the same shape.
    await expectError(400, "GET", "/api/v1/app/%ZZ");
  });

  test("422 with the field's location for schema violations", async () => {
    await expect422("POST", "/api/v1/app", {}, ["body", "name"]);
    await expect422("POST", "/api/v1/app", { name: "" }, ["body", "name"]);
    await expect422("POST", "/api/v1/app", { name: 5 }, ["body", "name"]);
    await expect422("POST", "/api/v1/app", { name: "x", uid: "has space" }, ["body", "uid"]);
    await expect422("POST", "/api/v1/app", { name: "x", uid: "" }, ["body", "uid"]);
    await expect422("POST", "/api/v1/app", { name: "x", uid: "a".repeat(257) }, ["body", "uid"]);
    await expect422("POST", "/api/v1/app", { name: "x", metadata: { n: 1 } }, ["body", "metadata", "n"]);
    await expect422("POST", "/api/v1/app", [], ["body"]);
    await expect422("POST", "/api/v1/event-type", { name: "no spaces allowed", description: "" }, ["body", "name"]);
    await expect422("POST", "/api/v1/event-type", { name: "x.y" }, ["body", "description"]);

    const ep = `/api/v1/app/${appId}/endpoint`;
    await expect422("POST", ep, {}, ["body", "url"]);
    await expect422("POST", ep, { url: "not a url" }, ["body", "url"]);
    await expect422("POST", ep, { url: "ftp://example.com/x" }, ["body", "url"]);
    await expect422("POST", ep, { url: "https://user:pw@example.com/x" }, ["body", "url"]);
    await expect422("POST", ep, { url: "https://example.com", uid: "bad/uid" }, ["body", "uid"]);
    await expect422("POST", ep, { url: "https://example.com", throttleRate: 0 }, ["body", "throttleRate"]);
    await expect422("POST", ep, { url: "https://example.com", secret: "whsec_short" }, ["body", "secret"]);
    await expect422("POST", ep, { url: "https://example.com", secret: "not base64 at all!!" }, ["body", "secret"]);
    const elevenChannels = Array.from({ length: 11 }, (_, i) => `c${i}`);
    await expect422("POST", ep, { url: "https://example.com", channels: elevenChannels }, ["body", "channels"]);
    await expect422("POST", ep, { url: "https://example.com", channels: ["has space"] }, ["body", "channels", "0"]);
    for (const reserved of ["webhook-signature", "Svix-Id", "content-type", "host"]) {
      await expect422("POST", ep, { url: "https://example.com", headers: { [reserved]: "x" } }, [
        "body",
        "headers",
        reserved,
      ]);
    }
    await expect422("POST", ep, { url: "https://example.com", headers: { "bad name": "x" } }, [
      "body",
      "headers",
      "bad name",
    ]);
    await expect422("PUT", `${ep}/${endpointId}/headers`, { headers: { "webhook-id": "x" } }, [
      "body",
      "headers",
      "webhook-id",
    ]);
    await expect422("PATCH", `${ep}/${endpointId}/headers`, { headers: { "svix-signature": "x" } }, [
      "body",
      "headers",
      "svix-signature",
    ]);
    await expect422("PATCH", `${ep}/${endpointId}`, { url: "nope" }, ["body", "url"]);
    await expect422("POST", `${ep}/${endpointId}/secret/rotate`, { key: "whsec_AAAA" }, ["body", "key"]);
    await expect422("POST", `${ep}/${endpointId}/recover`, {}, ["body", "since"]);
    await expect422("POST", `${ep}/${endpointId}/recover`, { since: "yesterday" }, ["body", "since"]);

    const msg = `/api/v1/app/${appId}/msg`;
    await expect422("POST", msg, { payload: {} }, ["body", "eventType"]);
    await expect422("POST", msg, { eventType: "a.b" }, ["body", "payload"]);
    await expect422("POST", msg, { eventType: "a.b", payload: [] }, ["body", "payload"]);
    await expect422("POST", msg, { eventType: "a b", payload: {} }, ["body", "eventType"]);
    await expect422("POST", msg, { eventType: "a.b", payload: {}, eventId: "bad id" }, ["body", "eventId"]);
    await expect422("POST", msg, { eventType: "a.b", payload: {}, channels: elevenChannels }, ["body", "channels"]);
    await expect422("POST", msg, { eventType: "a.b", payload: {}, tags: ["a", "b", "c", "d", "e", "f"] }, [
      "body",
      "tags",
    ]);

    // Query strings: values are coerced from text, then validated.
    await expect422("GET", "/api/v1/app?limit=0", undefined, ["query", "limit"]);
    await expect422("GET", "/api/v1/app?limit=251", undefined, ["query", "limit"]);
    await expect422("GET", "/api/v1/app?limit=ten", undefined, ["query", "limit"]);
    await expect422("GET", "/api/v1/app?order=sideways", undefined, ["query", "order"]);
    await expect422("GET", `${msg}?before=yesterday`, undefined, ["query", "before"]);
    await expect422("GET", `/api/v1/app/${appId}/attempt/msg/${msgId}?status=9`, undefined, ["query", "status"]);
    await expect422("GET", "/api/v1/event-type/not%20valid", undefined, ["path", "event_type_name"]);
    const tooLongKey = { ...JSON_HEADERS, "idempotency-key": "k".repeat(257) };
    const res = await call("POST", "/api/v1/app", { name: "x" }, tooLongKey);
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.detail[0].loc, ["header", "idempotency-key"]);
  });

  test("422 for a value outside an enum lists the values the field takes", async () => {
    const ep = `/api/v1/app/${appId}/endpoint`;
    const format = await expect422("POST", ep, { url: "https://example.com", format: "xml" }, ["body", "format"]);
    assert.equal(format.body.detail[0].type, "enum");
    assert.equal(
      format.body.detail[0].msg,
      'must be one of: "standard", "cloudevents-binary", "cloudevents-structured"',
      format.text,
    );
    const order = await expect422("GET", "/api/v1/app?order=sideways", undefined, ["query", "order"]);
    assert.match(order.body.detail[0].msg, /^must be one of: "ascending", "descending"$/, order.text);
  });

  test("explicit nulls are accepted where the schema allows them", async () => {
    const app = await call("POST", "/api/v1/app", { name: "nulls", uid: null, throttleRate: null });
    assert.equal(app.status, 201, app.text);
    const ep = await call("POST", `/api/v1/app/${app.body.id}/endpoint`, {
      url: "https://example.invalid/n",
      uid: null,
      secret: null,
      headers: null,
      channels: null,
      eventTypes: null,
      filterTypes: null,
      throttleRate: null,
      version: null,
    });
    assert.equal(ep.status, 201, ep.text);
    const rotate = await call("POST", `/api/v1/app/${app.body.id}/endpoint/${ep.body.id}/secret/rotate`, {
      key: null,
      gracePeriodSeconds: null,
    });
    assert.equal(rotate.status, 204, rotate.text);
    const msg = await call("POST", `/api/v1/app/${app.body.id}/msg`, {
      eventType: "a.b",
      payload: {},
      eventId: null,
      channels: null,
      tags: null,
      application: null,
    });
    assert.equal(msg.status, 202, msg.text);
  });

  test("401 without a token or with a wrong one; health needs none", async () => {
    for (const authorization of [
      undefined,
      "",
      "Bearer",
      "Bearer wrong_token_0123456789",
      `Basic ${TEST_TOKEN}`,
      `Bearer ${TEST_TOKEN}x`,
    ]) {
      const res = await fetch(`${hookline.url}/api/v1/app`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      assert.equal(res.status, 401, `authorization ${JSON.stringify(authorization)}`);
      const body = (await res.json()) as { code: string; detail: string };
      assert.equal(typeof body.code, "string");
      assert.equal(typeof body.detail, "string");
    }
    // Authentication comes before validation and before "not found": nothing leaks without a token.
    const post = await fetch(`${hookline.url}/api/v1/app`, { method: "POST", headers: JSON_HEADERS, body: "{bad" });
    assert.equal(post.status, 401);
    const unknown = await fetch(`${hookline.url}/api/v1/app/${appId}/endpoint/ep_nope`);
    assert.equal(unknown.status, 401);

    const health = await fetch(`${hookline.url}/api/v1/health`);
    assert.equal(health.status, 204);
    assert.equal(await health.text(), "");
    assert.equal((await fetch(`${hookline.url}/api/v1/health/`)).status, 204);
  });

  test("404 for unknown ids and unknown routes", async () => {
    await expectError(404, "GET", "/api/v1/app/app_unknown");
    await expectError(404, "GET", "/api/v1/app/no-such-uid");
    await expectError(404, "PATCH", "/api/v1/app/app_unknown", { name: "x" });
    await expectError(404, "DELETE", "/api/v1/app/app_unknown");
    await expectError(404, "GET", "/api/v1/app/app_unknown/endpoint");
    await expectError(404, "POST", "/api/v1/app/app_unknown/endpoint", { url: "https://example.com" });
    await expectError(404, "POST", "/api/v1/app/app_unknown/msg", { eventType: "a.b", payload: {} });
    await expectError(404, "GET", "/api/v1/event-type/no.such.type");
    await expectError(404, "PATCH", "/api/v1/event-type/no.such.type", { description: "x" });

    const app = `/api/v1/app/${appId}`;
    await expectError(404, "GET", `${app}/endpoint/ep_unknown`);
    await expectError(404, "PATCH", `${app}/endpoint/ep_unknown`, { description: "x" });
    await expectError(404, "DELETE", `${app}/endpoint/ep_unknown`);
    await expectError(404, "GET", `${app}/endpoint/ep_unknown/headers`);
    await expectError(404, "GET", `${app}/endpoint/ep_unknown/secret`);
    await expectError(404, "POST", `${app}/endpoint/ep_unknown/secret/rotate`, {});
    await expectError(404, "GET", `${app}/endpoint/ep_unknown/stats`);
    await expectError(404, "POST", `${app}/endpoint/ep_unknown/send-example`, { eventType: "a.b" });
    await expectError(404, "GET", `${app}/msg/msg_unknown`);
    await expectError(404, "GET", `${app}/msg/msg_unknown/raw`);
    await expectError(404, "GET", `${app}/attempt/msg/msg_unknown`);
    await expectError(404, "GET", `${app}/attempt/endpoint/ep_unknown`);
    await expectError(404, "GET", `${app}/msg/msg_unknown/endpoint`);
    await expectError(404, "GET", `${app}/endpoint/ep_unknown/msg`);
    await expectError(404, "GET", `${app}/msg/${msgId}/attempt/atmpt_unknown`);
    await expectError(404, "GET", `${app}/msg/msg_unknown/attempt/atmpt_unknown`);
    await expectError(404, "POST", `${app}/msg/msg_unknown/endpoint/${endpointId}/resend`);
    await expectError(404, "POST", `${app}/msg/${msgId}/endpoint/ep_unknown/resend`);
    await expectError(404, "GET", `${app}/attempt/msg/${msgId}?endpoint_id=ep_unknown`);

    // Records of one application are not reachable through another.
    const otherApp = (await call("POST", "/api/v1/app", { name: "other" })).body.id;
    await expectError(404, "GET", `/api/v1/app/${otherApp}/endpoint/${endpointId}`);
    await expectError(404, "GET", `/api/v1/app/${otherApp}/msg/${msgId}`);

    const route = await expectError(404, "GET", "/api/v1/no-such-route");
    assert.equal(route.body.code, "not_found");
    await expectError(404, "POST", "/api/v2/app", { name: "x" });
    // A path that exists, with a method it does not take: 405, naming the methods it does.
    const method = await expectError(405, "DELETE", "/api/v1/app");
    assert.equal(method.body.code, "method_not_allowed");
  });

  test("409 for duplicates", async () => {
    await expectError(409, "POST", "/api/v1/app", { name: "dup", uid: "errors-app" });
    const second = (await call("POST", "/api/v1/app", { name: "second", uid: "second-app" })).body.id;
    await expectError(409, "PATCH", `/api/v1/app/${second}`, { uid: "errors-app" });
    await expectError(409, "PUT", `/api/v1/app/${second}`, { name: "second", uid: "errors-app" });

    await expectError(409, "POST", `/api/v1/app/${appId}/endpoint`, { url: "https://example.com/2", uid: "ep-uid" });
    const ep2 = (await call("POST", `/api/v1/app/${appId}/endpoint`, { url: "https://example.com/3", uid: "ep-2" }))
      .body.id;
    await expectError(409, "PATCH", `/api/v1/app/${appId}/endpoint/${ep2}`, { uid: "ep-uid" });
    // The same uid in another application is fine.
    const elsewhere = await call("POST", `/api/v1/app/${second}/endpoint`, {
      url: "https://example.com/4",
      uid: "ep-uid",
    });
    assert.equal(elsewhere.status, 201);

    await call("POST", "/api/v1/event-type", { name: "dup.type", description: "first" });
    await expectError(409, "POST", "/api/v1/event-type", { name: "dup.type", description: "second" });

    await expectError(409, "POST", `/api/v1/app/${appId}/msg`, { eventType: "a.b", payload: {}, eventId: "evt-dup" });
    const sameEventIdElsewhere = await call("POST", `/api/v1/app/${second}/msg`, {
      eventType: "a.b",
      payload: {},
      eventId: "evt-dup",
    });
    assert.equal(sameEventIdElsewhere.status, 202);
    const list = await call("GET", `/api/v1/app/${appId}/msg`);
    assert.equal(list.body.data.filter((m: { eventId: string }) => m.eventId === "evt-dup").length, 1);
  });

  test("413 for a body over the default 1 MiB limit", async () => {
    const big = JSON.stringify({ eventType: "a.b", payload: { blob: "x".repeat(1024 * 1024) } });
    const res = await call("POST", `/api/v1/app/${appId}/msg`, big, JSON_HEADERS);
    assert.equal(res.status, 413);
    assert.equal(res.body.code, "payload_too_large");
    // Just under the limit is accepted.
    const fits = JSON.stringify({ eventType: "a.b", payload: { blob: "x".repeat(1024 * 1024 - 100) } });
    assert.equal((await call("POST", `/api/v1/app/${appId}/msg`, fits, JSON_HEADERS)).status, 202);
  });

  test("413 for a body over a configured limit", async () => {
    const small = await startTestHookline({ HOOKLINE_MAX_BODY_BYTES: "2048" });
    try {
      const app = (await small.api("POST", "/api/v1/app", { name: "small" })).body.id;
      const over = await small.api("POST", `/api/v1/app/${app}/msg`, {
        eventType: "a.b",
        payload: { s: "x".repeat(3000) },
      });
      assert.equal(over.status, 413);
      assert.equal(over.body.code, "payload_too_large");
      assert.equal(typeof over.body.detail, "string");
      const under = await small.api("POST", `/api/v1/app/${app}/msg`, {
        eventType: "a.b",
        payload: { s: "x".repeat(1000) },
      });
      assert.equal(under.status, 202);
      const list = await small.api("GET", `/api/v1/app/${app}/msg`);
      assert.equal(list.body.data.length, 1, "the rejected message was not stored");
    } finally {
      await small.close();
    }
  });

  test("no 5xx for odd but well-formed input", async () => {
    const app = `/api/v1/app/${appId}`;
    const odd: [string, string, unknown?, Record<string, string>?][] = [
      ["POST", "/api/v1/app", "null", JSON_HEADERS],
      ["POST", "/api/v1/app", '"a string"', JSON_HEADERS],
      ["POST", "/api/v1/app", "", JSON_HEADERS],
      ["POST", "/api/v1/app", '{"name":"x"}', { "content-type": "text/plain" }],
      ["POST", "/api/v1/app", "name=x", { "content-type": "application/x-www-form-urlencoded" }],
      [
        "POST",
        `${app}/msg`,
        '{"eventType":"a.b","payload":{"__proto__":{"polluted":true},"constructor":{"prototype":1}}}',
      ],
      ["POST", `${app}/msg`, { eventType: "a.b", payload: { deep: JSON.parse("[".repeat(500) + "]".repeat(500)) } }],
      ["GET", "/api/v1/app?iterator=garbage"],
      ["GET", "/api/v1/app?iterator=-"],
      ["GET", `${app}/msg?iterator=-msg_zzz&limit=250`],
      ["GET", `${app}/msg?event_types=a.b,,c.d&channel=x`],
      ["GET", `${app}/attempt/endpoint/${endpointId}?status_code_class=500&with_msg=true`],
      ["GET", `/api/v1/app/${"u".repeat(256)}`],
      ["GET", `/api/v1/app/${"u".repeat(2000)}`],
      ["GET", `${app}/endpoint/${endpointId}/stats?since=2999-01-01T00:00:00Z&until=2000-01-01T00:00:00Z`],
      [
        "POST",
        `${app}/endpoint/${endpointId}/recover`,
        { since: "2020-01-01T00:00:00Z", until: "2019-01-01T00:00:00Z" },
      ],
      ["POST", `${app}/endpoint/${endpointId}/send-example`, { eventType: "never.defined" }],
      ["PUT", `${app}/endpoint/${endpointId}/headers`, { headers: { "x-ok": "a\r\nInjected: yes" } }],
      ["DELETE", `${app}/msg/${msgId}/content`],
      ["GET", `${app}/msg/${msgId}`],
    ];
    for (const [method, path, body, headers] of odd) {
      const res = await call(method, path, body, headers);
      if (res.status >= 400) {
        assert.ok(
          res.body && (typeof res.body.code === "string" || Array.isArray(res.body.detail)),
          `${path}: ${res.text}`,
        );
      }
    }
  });
});
