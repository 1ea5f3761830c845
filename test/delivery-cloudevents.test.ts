import assert from "node:assert/strict";
import { hostname } from "node:os";
import { after, before, describe, it } from "node:test";
import { HTTP, type CloudEvent } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { encodeHeaderValue } from "../src/delivery/cloudevents.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver, type ReceivedRequest, type Reply } from "./support/receiver.ts";
import { appWithEndpoint, attempts, sendMessage } from "./support/setup.ts";
import { waitForValue } from "./support/wait.ts";

/**
 * The CloudEvents output formats (HTTP protocol binding v1.0.2, binary and structured mode) and
 * the webhook validation handshake, checked against a real receiver with the official SDK
 * (`cloudevents@10`) as the oracle plus raw-attribute checks for what the SDK does not catch
 * (see webhook-standards.md §2.4: no percent-decoding, auto-filled id/time, no validation in toEvent).
 */

const STRUCTURED = "application/cloudevents+json; charset=utf-8";
/** RFC 3339 date-time with a zone (the SDK normalises to toISOString, so check the raw value too). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Header value characters the binding allows unencoded: U+0021–U+007E except `"` and `%`. */
const HEADER_SAFE = /^(?:[\x21\x23\x24\x26-\x7e]|%[0-9A-F]{2})*$/;

/** A payload whose body has non-ASCII text, spaces, quotes and a percent sign in it. */
const UNICODE_PAYLOAD = { note: 'Grüße, Euro € 😀 "quoted" 100%', amount: 12.5, nested: { list: [1, "zwei", null] } };

function verifySignature(secret: string, req: ReceivedRequest): unknown {
  const headers = {
    "webhook-id": String(req.headers["webhook-id"]),
    "webhook-timestamp": String(req.headers["webhook-timestamp"]),
    "webhook-signature": String(req.headers["webhook-signature"]),
  };
  const verified = new Webhook(secret).verify(req.body, headers);
  // A wrong secret must fail, or the check above proves nothing.
  assert.throws(() => new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(req.body, headers));
  return verified;
}

function toValidEvent(req: ReceivedRequest): CloudEvent<unknown> {
  const parsed = HTTP.toEvent({ headers: req.headers, body: req.body });
  assert.ok(!Array.isArray(parsed), "a single event, not a batch");
  const event = parsed as CloudEvent<unknown>;
  assert.equal(event.validate(), true);
  return event;
}

const ceHeaders = (req: ReceivedRequest) => Object.keys(req.headers).filter((name) => name.startsWith("ce-"));

describe("CloudEvents delivery", () => {
  let h: TestHookline;
  const receivers: Receiver[] = [];
  const newReceiver = async () => {
    const r = await Receiver.start();
    receivers.push(r);
    return r;
  };
  before(async () => {
    // No HOOKLINE_WEBHOOK_ORIGIN: the handshake must fall back to the host name.
    h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "0.2,0.2,0.2,0.2,0.2,0.2" }, { pollIntervalMs: 100 });
  });
  after(async () => {
    await h.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  const messageOf = async (appId: string, msgId: string) => {
    const msg = await h.api("GET", `/api/v1/app/${appId}/msg/${msgId}`);
    assert.equal(msg.status, 200, msg.text);
    const raw = await h.api("GET", `/api/v1/app/${appId}/msg/${msgId}/raw`);
    assert.equal(raw.status, 200, raw.text);
    return { timestamp: msg.body.timestamp as string, rawPayload: raw.body.payload as string };
  };

  it("percent-encodes header values as the HTTP binding requires", () => {
    assert.equal(encodeHeaderValue("Euro € 😀"), "Euro%20%E2%82%AC%20%F0%9F%98%80");
    assert.equal(encodeHeaderValue('a"b%c d'), "a%22b%25c%20d");
    assert.equal(encodeHeaderValue("\t\x7f"), "%09%7F");
    const printable = "!#$&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~";
    assert.equal(encodeHeaderValue(printable), printable);
    assert.equal(encodeHeaderValue(""), "");
    for (const value of [
      "Euro € 😀",
      'x "y" 100% z',
      "urn:hookline:app:app_1",
      "2024-01-02T03:04:05.678Z",
      "ümlaut\u0000",
    ]) {
      const encoded = encodeHeaderValue(value);
      assert.match(encoded, HEADER_SAFE);
      assert.equal(decodeURIComponent(encoded), value);
    }
  });

  it("binary mode: the SDK reads a valid event with id, type, source, time and the payload as data", async () => {
    const receiver = await newReceiver();
    const { appId, secret } = await appWithEndpoint(h, `${receiver.url}/binary`, { format: "cloudevents-binary" });
    const eventType = "com.example.Invoice-paid_v1.2";
    const msgId = await sendMessage(h, appId, { eventType, payload: UNICODE_PAYLOAD });
    await receiver.waitFor(1);
    const req = receiver.requests[0]!;
    const { timestamp, rawPayload } = await messageOf(appId, msgId);

    assert.equal(req.method, "POST");
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers["ce-datacontenttype"], undefined, "binary mode must not send ce-datacontenttype");
    assert.equal(req.headers["ce-specversion"], "1.0");
    // The body is the payload's bytes, unframed.
    assert.equal(req.body, rawPayload);
    assert.deepEqual(JSON.parse(req.body), UNICODE_PAYLOAD);

    // Raw headers: every value percent-encoded where needed and decoding to the attribute.
    for (const name of ceHeaders(req)) assert.match(String(req.headers[name]), HEADER_SAFE, name);
    const decoded = (name: string) => decodeURIComponent(String(req.headers[name]));
    assert.equal(decoded("ce-id"), msgId);
    assert.equal(decoded("ce-type"), eventType);
    assert.equal(decoded("ce-source"), `urn:hookline:app:${appId}`);
    assert.match(decoded("ce-time"), RFC3339);
    assert.equal(new Date(decoded("ce-time")).getTime(), new Date(timestamp).getTime());

    const event = toValidEvent(req);
    assert.equal(event.specversion, "1.0");
    assert.equal(event.id, msgId);
    assert.equal(event.type, eventType);
    assert.equal(event.source, `urn:hookline:app:${appId}`);
    assert.equal(new Date(event.time!).getTime(), new Date(timestamp).getTime());
    assert.deepEqual(event.data, UNICODE_PAYLOAD);

    // Standard Webhooks signing still applies, over exactly these bytes.
    assert.equal(req.headers["webhook-id"], msgId);
    assert.deepEqual(verifySignature(secret, req), UNICODE_PAYLOAD);
    assert.equal(req.headers["webhook-request-origin"], undefined, "no handshake asked for");
  });

  it("structured mode: exact content type, a valid event whose data is the JSON value, signed body", async () => {
    const receiver = await newReceiver();
    const { appId, secret } = await appWithEndpoint(h, `${receiver.url}/structured`, {
      format: "cloudevents-structured",
    });
    const msgId = await sendMessage(h, appId, { eventType: "invoice.paid", payload: UNICODE_PAYLOAD });
    await receiver.waitFor(1);
    const req = receiver.requests[0]!;
    const { timestamp } = await messageOf(appId, msgId);

    assert.equal(req.method, "POST");
    assert.equal(req.headers["content-type"], STRUCTURED);

    // Raw attribute check: the SDK would auto-fill a missing id, time or specversion.
    const raw = JSON.parse(req.body) as Record<string, unknown>;
    assert.equal(raw.specversion, "1.0");
    assert.equal(raw.id, msgId);
    assert.equal(raw.type, "invoice.paid");
    assert.equal(raw.source, `urn:hookline:app:${appId}`);
    assert.equal(typeof raw.time, "string");
    assert.match(raw.time as string, RFC3339);
    assert.equal(new Date(raw.time as string).getTime(), new Date(timestamp).getTime());
    assert.equal(raw.datacontenttype, "application/json");
    assert.equal(typeof raw.data, "object", "data is the JSON value, not an escaped string");
    assert.deepEqual(raw.data, UNICODE_PAYLOAD);
    assert.equal(raw.data_base64, undefined);
    for (const name of Object.keys(raw)) assert.match(name, /^[a-z0-9]{1,20}$/, `attribute name ${name}`);

    const event = toValidEvent(req);
    assert.equal(event.id, msgId);
    assert.equal(event.type, "invoice.paid");
    assert.equal(event.source, `urn:hookline:app:${appId}`);
    assert.equal(event.datacontenttype, "application/json");
    assert.deepEqual(event.data, UNICODE_PAYLOAD);

    assert.equal(req.headers["webhook-id"], msgId);
    assert.deepEqual(verifySignature(secret, req), raw);
  });

  it("standard (default) mode sends plain JSON with no ce-* headers", async () => {
    const receiver = await newReceiver();
    const { appId, endpointId, secret } = await appWithEndpoint(h, `${receiver.url}/plain`);
    const ep = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(ep.body.format, "standard");
    assert.equal(ep.body.cloudEventsHandshake, false);
    await sendMessage(h, appId, { payload: UNICODE_PAYLOAD });
    await receiver.waitFor(1);
    const req = receiver.requests[0]!;
    assert.equal(req.method, "POST");
    assert.deepEqual(ceHeaders(req), []);
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers["webhook-request-origin"], undefined);
    assert.deepEqual(verifySignature(secret, req), UNICODE_PAYLOAD);
  });

  it("handshake: one OPTIONS with the origin, then POSTs carrying the same origin, not repeated", async () => {
    const receiver = await newReceiver();
    receiver.respond((req) =>
      req.method === "OPTIONS"
        ? { status: 200, headers: { "WebHook-Allowed-Origin": "*", Allow: "POST, OPTIONS" } }
        : { status: 204 },
    );
    const url = `${receiver.url}/ce/hook?tenant=a%20b`;
    const { appId, endpointId } = await appWithEndpoint(h, url, {
      format: "cloudevents-binary",
      cloudEventsHandshake: true,
    });
    const ep = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(ep.body.cloudEventsHandshake, true);

    const first = await sendMessage(h, appId, { payload: { n: 1 } });
    await receiver.waitFor(2);
    const [options, post] = receiver.requests;
    assert.equal(options!.method, "OPTIONS");
    assert.equal(options!.path, "/ce/hook?tenant=a%20b", "the handshake goes to the exact endpoint URL");
    const origin = options!.headers["webhook-request-origin"];
    assert.equal(origin, hostname(), "the origin defaults to the host name");
    assert.equal(post!.method, "POST");
    assert.equal(post!.path, "/ce/hook?tenant=a%20b");
    assert.equal(post!.headers["ce-id"], first);

    for (const n of [2, 3]) {
      await sendMessage(h, appId, { payload: { n } });
      await receiver.waitFor(n + 1);
    }
    await h.dispatcher.idle();
    assert.deepEqual(
      receiver.requests.map((r) => r.method),
      ["OPTIONS", "POST", "POST", "POST"],
      "a validated endpoint is not asked again",
    );
    for (const r of receiver.requests) assert.equal(r.headers["webhook-request-origin"], origin);
    const logged = await attempts(h, appId, first);
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!.status, 0);
    assert.equal(logged[0]!.requestHeaders["webhook-request-origin"], origin);
  });

  it("handshake: without consent nothing is POSTed, the attempt fails as handshake_refused and is retried", async () => {
    const receiver = await newReceiver();
    let consenting = false;
    receiver.respond((req, index): Reply => {
      if (req.method !== "OPTIONS") return { status: 200, body: "ok" };
      const origin = String(req.headers["webhook-request-origin"]);
      if (consenting) return { status: 200, headers: { "WebHook-Allowed-Origin": origin, Allow: "POST" } };
      // A 2xx is not consent, nor is a 405, nor is another origin.
      if (index === 0) return { status: 200, body: "sure" };
      if (index === 1) return { status: 405 };
      return { status: 200, headers: { "WebHook-Allowed-Origin": `not-${origin}` } };
    });
    const { appId, secret } = await appWithEndpoint(h, `${receiver.url}/guarded`, {
      format: "cloudevents-structured",
      cloudEventsHandshake: true,
    });
    const msgId = await sendMessage(h, appId, { eventType: "invoice.paid", payload: { amount: 5 } });

    // A refusal answered with 200 must not count as a delivery: no POST was made.
    const [firstAttempt] = await waitForValue(
      async () => {
        const list = await attempts(h, appId, msgId);
        return list.length >= 1 ? list : undefined;
      },
      8000,
      "the first attempt",
      50,
    );
    assert.equal(firstAttempt!.errorKind, "handshake_refused");
    assert.notEqual(firstAttempt!.status, 0, "a refused handshake is not a successful delivery");

    await receiver.waitFor(3);
    const refused = await waitForValue(
      async () => {
        const list = await attempts(h, appId, msgId);
        return list.length >= 3 ? list : undefined;
      },
      8000,
      "three refused attempts",
      50,
    );
    for (const a of refused.slice(0, 3)) {
      assert.equal(a.errorKind, "handshake_refused");
      assert.notEqual(a.status, 0);
    }
    assert.ok(
      receiver.requests.every((r) => r.method === "OPTIONS"),
      "no POST before consent",
    );

    consenting = true;
    const delivered = await waitForValue(
      async () => {
        const list = await attempts(h, appId, msgId);
        return list.at(-1)?.status === 0 ? list : undefined;
      },
      8000,
      "a successful retry",
      50,
    );
    assert.ok(delivered.slice(0, -1).every((a) => a.errorKind === "handshake_refused"));
    const posts = receiver.requests.filter((r) => r.method === "POST");
    assert.equal(posts.length, 1);
    const post = posts[0]!;
    assert.equal(receiver.requests.at(-1), post, "the POST follows the consenting OPTIONS");
    assert.equal(receiver.requests.at(-2)!.method, "OPTIONS");
    assert.equal(post.headers["webhook-request-origin"], receiver.requests[0]!.headers["webhook-request-origin"]);
    assert.equal(post.headers["content-type"], STRUCTURED);
    assert.equal(toValidEvent(post).id, msgId);
    verifySignature(secret, post);
  });

  it("a transformation's result is the CloudEvents data, in both modes", async () => {
    const receiver = await newReceiver();
    const app = await h.api("POST", "/api/v1/app", { name: "Transformed" });
    assert.equal(app.status, 201, app.text);
    const appId = app.body.id as string;
    const endpoints: Record<string, { id: string; secret: string }> = {};
    for (const format of ["cloudevents-binary", "cloudevents-structured"]) {
      const ep = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/${format}`, format });
      assert.equal(ep.status, 201, ep.text);
      const patch = await h.api("PATCH", `/api/v1/app/${appId}/endpoint/${ep.body.id}/transformation`, {
        enabled: true,
        code: '{"total": payload.amount * 2}',
      });
      assert.ok(patch.status >= 200 && patch.status < 300, patch.text);
      const secret = await h.api("GET", `/api/v1/app/${appId}/endpoint/${ep.body.id}/secret`);
      endpoints[format] = { id: ep.body.id, secret: secret.body.key };
    }
    const msgId = await sendMessage(h, appId, { eventType: "order.created", payload: { amount: 21, note: "x" } });
    await receiver.waitFor(2);
    const byPath = (p: string) => receiver.requests.find((r) => r.path === p)!;

    const binary = byPath("/cloudevents-binary");
    assert.deepEqual(JSON.parse(binary.body), { total: 42 });
    const binaryEvent = toValidEvent(binary);
    assert.equal(binaryEvent.id, msgId);
    assert.deepEqual(binaryEvent.data, { total: 42 });
    assert.deepEqual(verifySignature(endpoints["cloudevents-binary"]!.secret, binary), { total: 42 });

    const structured = byPath("/cloudevents-structured");
    assert.equal(structured.headers["content-type"], STRUCTURED);
    assert.deepEqual(JSON.parse(structured.body).data, { total: 42 });
    const structuredEvent = toValidEvent(structured);
    assert.equal(structuredEvent.id, msgId);
    assert.equal(structuredEvent.type, "order.created");
    assert.deepEqual(structuredEvent.data, { total: 42 });
    verifySignature(endpoints["cloudevents-structured"]!.secret, structured);
  });
});
