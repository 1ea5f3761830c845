import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { INPUT_LIMITS, jsonNestsDeeperThan } from "../src/api/input-limits.ts";
import { startTestHookline, TEST_TOKEN, type ApiResponse, type TestHookline } from "./support/hookline.ts";

/**
 * The limits on hostile input (src/api/input-limits.ts), each answered with a clear 4xx before
 * anything reaches the store: JSON nesting depth, header bytes and count, strings no database
 * column can hold (NUL, unpaired surrogates), the string-length backstop, prototype-poisoning keys,
 * non-finite numbers coerced from query strings and date-times JavaScript cannot read. Runs on both
 * stores: on PostgreSQL a NUL that got through would be a 500.
 */

const JSON_HEADERS = { "content-type": "application/json" };

/** `depth` nested arrays around a number: `[[[1]]]` is depth 3. */
const nested = (depth: number) => "[".repeat(depth) + "1" + "]".repeat(depth);

describe("JSON nesting pre-scan", () => {
  test("counts arrays and objects, not brackets inside strings", () => {
    assert.equal(jsonNestsDeeperThan(nested(64), 64), false);
    assert.equal(jsonNestsDeeperThan(nested(65), 64), true);
    assert.equal(jsonNestsDeeperThan('{"a":{"b":[{"c":1}]}}', 4), false);
    assert.equal(jsonNestsDeeperThan('{"a":{"b":[{"c":1}]}}', 3), true);
    assert.equal(jsonNestsDeeperThan(JSON.stringify({ s: "[".repeat(1000) }), 1), false);
    // Escaped quotes and backslashes do not end the string early.
    assert.equal(jsonNestsDeeperThan(JSON.stringify({ s: '\\"[[[[' + "{".repeat(10) }), 1), false);
    assert.equal(jsonNestsDeeperThan(JSON.stringify({ s: "\\" }) + "[[", 1), true);
  });

  test("a 1 MiB depth bomb is scanned in milliseconds", () => {
    const bomb = "[".repeat(1024 * 1024);
    const started = performance.now();
    assert.equal(jsonNestsDeeperThan(bomb, INPUT_LIMITS.maxJsonDepth), true);
    const text = JSON.stringify({ payload: { blob: "x".repeat(1024 * 1024) } });
    assert.equal(jsonNestsDeeperThan(text, INPUT_LIMITS.maxJsonDepth), false);
    assert.ok(performance.now() - started < 500, `took ${performance.now() - started} ms`);
  });
});

describe("input limits over HTTP", () => {
  let hookline: TestHookline;
  let appId: string;
  let endpointId: string;

  async function call(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const res = await hookline.api(method, path, body, headers);
    assert.ok(res.status < 500, `${method} ${path} answered ${res.status}: ${res.text}`);
    return res;
  }

  function assert422(res: ApiResponse, loc: string[], type: string): void {
    assert.equal(res.status, 422, res.text);
    assert.deepEqual(res.body.detail[0].loc, loc, res.text);
    assert.equal(res.body.detail[0].type, type, res.text);
    assert.equal(typeof res.body.detail[0].msg, "string");
  }

  /** Sends raw bytes and returns the status line's code and the body (the connection is closed after). */
  function raw(request: string): Promise<{ status: number; body: string; text: string }> {
    const url = new URL(hookline.url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => socket.write(request));
      let text = "";
      socket.setEncoding("latin1");
      socket.on("data", (d: string) => (text += d));
      socket.on("error", reject);
      socket.on("close", () => {
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
        resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4), text });
      });
    });
  }

  /** A GET of the health check with `fields` header lines (plus Host and Connection: close). */
  const healthWith = (fields: string[]) =>
    raw(`GET /api/v1/health HTTP/1.1\r\nHost: hookline\r\nConnection: close\r\n${fields.join("")}\r\n`);

  const appCount = async () => (await call("GET", "/api/v1/app?limit=250")).body.data.length as number;

  before(async () => {
    hookline = await startTestHookline();
    appId = (await call("POST", "/api/v1/app", { name: "limits" })).body.id;
    endpointId = (await call("POST", `/api/v1/app/${appId}/endpoint`, { url: "https://example.invalid/h" })).body.id;
  });

  after(async () => {
    await hookline?.close();
  });

  test("JSON nested deeper than 64 levels: 400 json_too_deep; 64 levels are accepted", async () => {
    // The body's own object is level 1 and `payload` level 2: 62 more arrays make 64.
    const fits = `{"eventType":"a.b","payload":{"deep":${nested(62)}}}`;
    const sent = await call("POST", `/api/v1/app/${appId}/msg`, fits, JSON_HEADERS);
    assert.equal(sent.status, 202, sent.text);
    const stored = await call("GET", `/api/v1/app/${appId}/msg/${sent.body.id}`);
    assert.equal(JSON.stringify(stored.body.payload.deep), nested(62));

    const tooDeep = `{"eventType":"a.b","payload":{"deep":${nested(63)}}}`;
    const refused = await call("POST", `/api/v1/app/${appId}/msg`, tooDeep, JSON_HEADERS);
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.code, "json_too_deep");
    assert.match(refused.body.detail, /64 levels/);
  });

  test("a 1 MiB depth bomb is refused at once and the server stays healthy", async () => {
    for (const bomb of [
      "[".repeat(1024 * 1024 - 16),
      nested(500_000),
      `{"eventType":"a.b","payload":{"x":${nested(400_000)}}}`,
    ]) {
      const started = Date.now();
      const res = await call("POST", `/api/v1/app/${appId}/msg`, bomb, JSON_HEADERS);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, "json_too_deep");
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    }
    assert.equal((await call("GET", "/api/v1/health")).status, 204);
  });

  test("431 headers_too_large past 16 KiB of request line and headers", async () => {
    const big = await healthWith([`x-big: ${"a".repeat(INPUT_LIMITS.maxHeaderBytes)}\r\n`]);
    assert.equal(big.status, 431, big.text);
    assert.equal(JSON.parse(big.body).code, "headers_too_large");
    // An over-long URL counts too.
    const url = await raw(`GET /api/v1/health?${"q".repeat(20_000)} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    assert.equal(url.status, 431, url.text);
    const fits = await healthWith([`x-big: ${"a".repeat(12 * 1024)}\r\n`]);
    assert.equal(fits.status, 204, fits.text);
  });

  test("431 too_many_headers past 100 header fields, however small", async () => {
    // Host and Connection are two of the fields.
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `x-h${i}: v\r\n`);
    assert.equal((await healthWith(lines(98))).status, 204);
    const over = await healthWith(lines(99));
    assert.equal(over.status, 431, over.text);
    assert.deepEqual(JSON.parse(over.body), {
      code: "too_many_headers",
      detail: "a request may carry at most 100 header fields",
    });
    // Thousands of tiny fields: not silently truncated (Node's default would drop the Host header
    // past 2,000 fields and answer a bare 400).
    const flood = await raw(
      `GET /api/v1/health HTTP/1.1\r\n${Array.from({ length: 3000 }, (_, i) => `a${i}:\r\n`).join("")}Host: h\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(flood.status, 431, flood.text);
    assert.equal(JSON.parse(flood.body).code, "too_many_headers");
    // Before authentication: the same answer without a token.
    const unauthenticated = await raw(
      `GET /api/v1/app HTTP/1.1\r\nHost: h\r\nConnection: close\r\n${lines(120).join("")}\r\n`,
    );
    assert.equal(unauthenticated.status, 431);
  });

  test("a malformed request gets 400 with the API's error body", async () => {
    const garbage = await raw("NOT HTTP AT ALL\r\n\r\n");
    assert.equal(garbage.status, 400, garbage.text);
    assert.equal(JSON.parse(garbage.body).code, "bad_request");
    const nulInHeader = await raw("GET /api/v1/health HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n");
    assert.equal(nulInHeader.status, 400, nulInHeader.text);
    assert.equal(JSON.parse(nulInHeader.body).code, "bad_request");
  });

  test("NUL characters: 422 with their location everywhere but a message payload", async () => {
    const before = await appCount();
    assert422(await call("POST", "/api/v1/app", { name: "a\u0000b" }), ["body", "name"], "nul_character");
    assert422(
      await call("POST", "/api/v1/app", { name: "ok", metadata: { k: "v\u0000" } }),
      ["body", "metadata", "k"],
      "nul_character",
    );
    assert422(
      await call("POST", "/api/v1/app", { name: "ok", metadata: { "k\u0000": "v" } }),
      ["body", "metadata", "k\u0000"],
      "nul_character",
    );
    assert422(
      await call("PUT", `/api/v1/app/${appId}/endpoint/${endpointId}/headers`, { headers: { "x-a": "\u0000" } }),
      ["body", "headers", "x-a"],
      "nul_character",
    );
    // Event-type schemas are stored as jsonb, which refuses \u0000 even as an escape.
    assert422(
      await call("POST", "/api/v1/event-type", {
        name: "nul.schema",
        description: "x",
        schemas: { "1": { type: "object", description: "\u0000" } },
      }),
      ["body", "schemas", "1", "description"],
      "nul_character",
    );
    assert422(await call("GET", "/api/v1/app/app_%00"), ["path", "app_id"], "nul_character");
    assert422(await call("GET", `/api/v1/app/${appId}/msg?iterator=%00`), ["query", "iterator"], "nul_character");
    assert422(
      await call("POST", `/api/v1/app/${appId}/msg`, { eventType: "a.b", payload: {}, tags: ["\u0000"] }),
      ["body", "tags", "0"],
      "nul_character",
    );
    assert.equal(await appCount(), before, "nothing was stored");

    // The payload is stored as JSON text, where a NUL stays the escape `\u0000`: kept exactly.
    const payload = { "k\u0000": "v\u0000w", nested: ["\u0000"] };
    const sent = await call("POST", `/api/v1/app/${appId}/msg`, { eventType: "a.b", payload });
    assert.equal(sent.status, 202, sent.text);
    assert.deepEqual((await call("GET", `/api/v1/app/${appId}/msg/${sent.body.id}`)).body.payload, payload);
  });

  test("unpaired surrogates: 422 outside a payload, kept exactly inside one", async () => {
    const res = await call("POST", "/api/v1/app", '{"name":"a\\ud800b"}', JSON_HEADERS);
    assert422(res, ["body", "name"], "unicode");
    const low = await call("POST", "/api/v1/app", '{"name":"ok","metadata":{"k":"\\udc00"}}', JSON_HEADERS);
    assert422(low, ["body", "metadata", "k"], "unicode");
    // A proper pair (an emoji) is fine.
    assert.equal((await call("POST", "/api/v1/app", '{"name":"\\ud83d\\ude00"}', JSON_HEADERS)).status, 201);

    const sent = await call("POST", `/api/v1/app/${appId}/msg`, '{"eventType":"a.b","payload":{"s":"\\ud800"}}', {
      "content-type": "application/json",
    });
    assert.equal(sent.status, 202, sent.text);
    const stored = await call("GET", `/api/v1/app/${appId}/msg/${sent.body.id}`);
    assert.equal(stored.body.payload.s, "\ud800");
  });

  test("strings past 64 Ki characters outside a payload: 422 maxLength", async () => {
    const max = INPUT_LIMITS.maxStringLength;
    assert.equal((await call("POST", "/api/v1/app", { name: "fits", metadata: { k: "v".repeat(max) } })).status, 201);
    assert422(
      await call("POST", "/api/v1/app", { name: "long", metadata: { k: "v".repeat(max + 1) } }),
      ["body", "metadata", "k"],
      "maxLength",
    );
    const longKey = "k".repeat(max + 1);
    const res = await call("POST", "/api/v1/app", { name: "long", metadata: { [longKey]: "v" } });
    assert.equal(res.status, 422);
    assert.ok(res.body.detail[0].loc[2].length < 300, "a hostile key is not echoed at full length");
    // The payload is free-form, bounded only by the body size.
    const big = await call("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "a.b",
      payload: { s: "x".repeat(max * 4) },
    });
    assert.equal(big.status, 202, big.text);
  });

  test("prototype-poisoning keys: 422 forbidden_key, in the payload too", async () => {
    const before = await appCount();
    assert422(
      await call("POST", "/api/v1/app", '{"name":"x","__proto__":{"admin":true}}', JSON_HEADERS),
      ["body", "__proto__"],
      "forbidden_key",
    );
    assert422(
      await call(
        "POST",
        "/api/v1/app",
        '{"name":"x","metadata":{"constructor":{"prototype":{"a":"b"}}}}',
        JSON_HEADERS,
      ),
      ["body", "metadata", "constructor"],
      "forbidden_key",
    );
    assert422(
      await call("POST", `/api/v1/app/${appId}/msg`, '{"eventType":"a.b","payload":{"a":{"__proto__":{}}}}', {
        "content-type": "application/json",
      }),
      ["body", "payload", "a", "__proto__"],
      "forbidden_key",
    );
    assert.equal(await appCount(), before);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
    // The words themselves are ordinary keys and values.
    const fine = await call("POST", "/api/v1/app", {
      name: "__proto__",
      metadata: { constructor: "x", prototype: "y" },
    });
    assert.equal(fine.status, 201, fine.text);
  });

  test("numbers coerced from a query string must be finite", async () => {
    for (const value of ["1e309", "-1e309", "Infinity"]) {
      assert422(await call("GET", `/api/v1/app?limit=${value}`), ["query", "limit"], "type");
    }
    assert.equal((await call("GET", "/api/v1/app?limit=1e1")).status, 200);
  });

  test("date-times JavaScript cannot read: 422 format", async () => {
    for (const value of ["2016-12-31T23:59:60Z", "2024-01-01T00:00:00%2B01"]) {
      assert422(await call("GET", `/api/v1/app/${appId}/msg?before=${value}`), ["query", "before"], "format");
    }
    assert422(
      await call("POST", `/api/v1/app/${appId}/endpoint/${endpointId}/recover`, { since: "2016-12-31T23:59:60Z" }),
      ["body", "since"],
      "format",
    );
    assert.equal((await call("GET", `/api/v1/app/${appId}/msg?before=2024-01-01T00:00:00%2B01:00`)).status, 200);
  });

  test("the body size limit still answers 413 first", async () => {
    const res = await call("POST", `/api/v1/app/${appId}/msg`, "[".repeat(1024 * 1024 + 10), JSON_HEADERS);
    assert.equal(res.status, 413);
    assert.equal(res.body.code, "payload_too_large");
  });

  test("authenticated requests still work normally with the limits in place", async () => {
    const res = await hookline.api("GET", "/api/v1/app", undefined, { authorization: `Bearer ${TEST_TOKEN}` });
    assert.equal(res.status, 200);
  });
});
