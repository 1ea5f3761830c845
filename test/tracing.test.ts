import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { Webhook } from "standardwebhooks";
import { ManualClock } from "../src/core/clock.ts";
import { parseTraceparent } from "../src/core/trace-context.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { OtlpCollector, SPAN_KIND, STATUS_ERROR, type ExportedSpan } from "./support/otlp-collector.ts";
import { Receiver, type ReceivedRequest } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const POSTED = `00-${TRACE_ID}-${PARENT_ID}-01`;

/** A pino logger that keeps every record it writes, parsed. */
function capturingLogger() {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "info", base: undefined }, sink), records };
}

const traceparentOf = (request: ReceivedRequest) => {
  const parsed = parseTraceparent(request.headers["traceparent"] as string | undefined);
  assert.ok(parsed, `the delivery carries a valid traceparent: ${String(request.headers["traceparent"])}`);
  return parsed;
};

/**
 * Traces end to end with tracing on: a real Hookline exporting over OTLP/HTTP (JSON) to a
 * collector stand-in on loopback, real receivers, and the W3C headers a sender posts.
 */
describe("tracing on: spans exported over OTLP", () => {
  let h: TestHookline;
  let receiver: Receiver;
  let collector: OtlpCollector;
  const clock = new ManualClock(Date.now());
  const { logger, records } = capturingLogger();

  before(async () => {
    receiver = await Receiver.start();
    collector = await OtlpCollector.start();
    h = await startTestHookline(
      { HOOKLINE_RETRY_SCHEDULE: "5" },
      {
        clock,
        pollIntervalMs: 3_600_000,
        logger,
        tracingEnv: {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_SERVICE_NAME: "hookline-under-test",
          // Exports happen when the test flushes, not on a timer.
          OTEL_BSP_SCHEDULE_DELAY: "3600000",
        },
      },
    );
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
    await collector?.close();
  });

  async function exported(): Promise<ExportedSpan[]> {
    await h.dispatcher.idle();
    await h.ctx.tracing.flush();
    return collector.spans();
  }
  const named = (spans: ExportedSpan[], name: string, attribute: string, value: string) =>
    spans.filter((s) => s.name === name && s.attributes[attribute] === value);

  it("continues a posted traceparent: accept span, attempt span, and the receiver's traceparent", async () => {
    const { appId, endpointId, secret } = await appWithEndpoint(h, `${receiver.url}/continued`);
    const res = await h.api(
      "POST",
      `/api/v1/app/${appId}/msg`,
      { eventType: "order.paid", eventId: "evt-trace-1", payload: { n: 1 } },
      { traceparent: POSTED, tracestate: "vendor=abc,other=x" },
    );
    assert.equal(res.status, 202, res.text);
    const msgId = res.body.id as string;
    await receiver.waitFor(1);
    const delivery = receiver.requests.find((r) => r.path === "/continued")!;
    const sent = traceparentOf(delivery);
    assert.equal(sent.traceId, TRACE_ID, "same trace as the posted one");
    assert.notEqual(sent.parentId, PARENT_ID, "the attempt has a span id of its own");
    assert.equal(sent.flags, 1, "sampled, as posted");
    assert.equal(delivery.headers["tracestate"], "vendor=abc,other=x");
    // The trace headers are not signed content: the delivery still verifies.
    new Webhook(secret).verify(delivery.raw, delivery.headers as Record<string, string>, { jsonParse: false });

    const spans = await exported();
    const [accept] = named(spans, "hookline.accept", "hookline.message_id", msgId);
    assert.ok(accept, `an accept span for ${msgId} in ${JSON.stringify(spans.map((s) => s.name))}`);
    assert.equal(accept.traceId, TRACE_ID);
    assert.equal(accept.parentSpanId, PARENT_ID, "the sender's span is the accept span's parent");
    assert.equal(accept.kind, SPAN_KIND.server);
    assert.equal(accept.attributes["hookline.app_id"], appId);
    assert.equal(accept.attributes["hookline.event_type"], "order.paid");
    assert.equal(accept.attributes["hookline.event_id"], "evt-trace-1");
    assert.equal(accept.resource["service.name"], "hookline-under-test");

    const [attempt] = named(spans, "hookline.attempt", "hookline.message_id", msgId);
    assert.ok(attempt, "an attempt span");
    assert.equal(attempt.traceId, TRACE_ID);
    assert.equal(attempt.spanId, sent.parentId, "the receiver's parent is the attempt span");
    assert.equal(attempt.parentSpanId, accept.spanId, "the attempt continues the accept span");
    assert.equal(attempt.kind, SPAN_KIND.client);
    assert.equal(attempt.attributes["hookline.endpoint_id"], endpointId);
    assert.equal(attempt.attributes["hookline.attempt"], 1);
    assert.equal(attempt.attributes["hookline.outcome"], "success");
    assert.equal(attempt.attributes["http.response.status_code"], 200);
    assert.equal(attempt.attributes["server.address"], "127.0.0.1");

    const line = records.find((r) => r.msg === "delivery attempt" && r.msgId === msgId);
    assert.ok(line, "the attempt log line");
    assert.equal(line.traceId, TRACE_ID, "the attempt log line carries the trace id");
    assert.equal(line.spanId, attempt.spanId);
  });

  it("gives each retry a new span in the same trace, read back from the store", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/retried`);
    let calls = 0;
    receiver.respond((req) => (req.path === "/retried" && calls++ === 0 ? { status: 503 } : { status: 200 }));
    const before = receiver.requests.length;
    const msgId = await h
      .api("POST", `/api/v1/app/${appId}/msg`, { eventType: "t", payload: {} }, { traceparent: POSTED })
      .then((r) => r.body.id as string);
    await receiver.waitFor(before + 1);
    await h.dispatcher.idle();
    // The retry is claimed from the store: the trace context came back from the message row.
    clock.advance(60_000);
    await h.dispatcher.pollNow();
    await receiver.waitFor(before + 2);
    receiver.respond(() => ({ status: 200 }));
    const [first, second] = receiver.requests.filter((r) => r.path === "/retried").map(traceparentOf);
    assert.equal(first!.traceId, TRACE_ID);
    assert.equal(second!.traceId, TRACE_ID);
    assert.notEqual(first!.parentId, second!.parentId, "a new span id per attempt");

    const attempts = named(await exported(), "hookline.attempt", "hookline.message_id", msgId);
    assert.equal(attempts.length, 2);
    const failed = attempts.find((s) => s.attributes["hookline.attempt"] === 1)!;
    assert.equal(failed.status.code, STATUS_ERROR, "the failed attempt's span is an error");
    assert.equal(failed.attributes["http.response.status_code"], 503);
    assert.equal(failed.attributes["error.type"], "http_status");
    assert.equal(failed.parentSpanId, attempts.find((s) => s.attributes["hookline.attempt"] === 2)!.parentSpanId);
  });

  it("ignores a malformed traceparent and starts a new trace (202, not 422)", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/malformed`);
    const malformed = `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`;
    const res = await h.api(
      "POST",
      `/api/v1/app/${appId}/msg`,
      { eventType: "t", payload: {} },
      { traceparent: malformed, tracestate: "vendor=abc" },
    );
    assert.equal(res.status, 202, res.text);
    await receiver.waitFor(receiver.requests.filter((r) => r.path !== "/malformed").length + 1);
    const delivery = receiver.requests.find((r) => r.path === "/malformed")!;
    const sent = traceparentOf(delivery);
    assert.notEqual(sent.traceId, TRACE_ID.toLowerCase(), "the malformed header's trace is not continued");
    assert.equal(delivery.headers["tracestate"], undefined, "its tracestate is dropped with it");

    const [accept] = named(await exported(), "hookline.accept", "hookline.message_id", res.body.id);
    assert.ok(accept);
    assert.equal(accept.parentSpanId, "", "a new trace: the accept span is its root");
    assert.equal(accept.traceId, sent.traceId, "and the delivery continues it");
  });

  it("starts a trace for a message posted without one", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/untraced`);
    const msgId = await sendMessage(h, appId);
    await receiver.waitFor(receiver.requests.filter((r) => r.path !== "/untraced").length + 1);
    const sent = traceparentOf(receiver.requests.find((r) => r.path === "/untraced")!);
    const spans = await exported();
    const [accept] = named(spans, "hookline.accept", "hookline.message_id", msgId);
    const [attempt] = named(spans, "hookline.attempt", "hookline.message_id", msgId);
    assert.equal(accept!.parentSpanId, "");
    assert.equal(attempt!.traceId, accept!.traceId);
    assert.equal(sent.parentId, attempt!.spanId);
  });

  it("records an ingest span and continues the provider's trace to the destination", async () => {
    const source = await h.api("POST", "/ingest/api/v1/source", { name: "traced", type: "generic-webhook" });
    assert.equal(source.status, 201, source.text);
    const dest = await h.api("POST", `/ingest/api/v1/source/${source.body.id}/endpoint`, {
      url: `${receiver.url}/ingested`,
    });
    assert.equal(dest.status, 201, dest.text);
    const res = await fetch(source.body.ingestUrl, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: POSTED },
      body: '{"hello":"world"}',
    });
    assert.equal(res.status, 200, await res.text());
    await receiver.waitFor(receiver.requests.filter((r) => r.path !== "/ingested").length + 1);
    const sent = traceparentOf(receiver.requests.find((r) => r.path === "/ingested")!);
    assert.equal(sent.traceId, TRACE_ID);

    const spans = await exported();
    const [ingest] = named(spans, "hookline.ingest", "hookline.source_id", source.body.id);
    assert.ok(ingest, `an ingest span in ${JSON.stringify(spans.map((s) => s.name))}`);
    assert.equal(ingest.traceId, TRACE_ID);
    assert.equal(ingest.parentSpanId, PARENT_ID);
    assert.equal(ingest.kind, SPAN_KIND.server);
    assert.equal(ingest.attributes["hookline.source_type"], "generic-webhook");
    assert.equal(ingest.attributes["http.response.status_code"], 200);
    const [attempt] = named(spans, "hookline.attempt", "hookline.endpoint_id", dest.body.id);
    assert.ok(attempt);
    assert.equal(attempt.parentSpanId, ingest.spanId, "the forwarded delivery continues the ingest span");
    assert.equal(attempt.spanId, sent.parentId);
  });

  it("exports OTLP/HTTP JSON to <endpoint>/v1/traces", () => {
    assert.ok(collector.exports.length > 0);
    for (const e of collector.exports) {
      assert.equal(e.path, "/v1/traces");
      assert.match(String(e.headers["content-type"]), /^application\/json/);
    }
  });
});

/**
 * Tracing off (no OTEL_* variables): no spans, but the posted trace context is still kept with the
 * message and continued by every delivery.
 */
describe("tracing off: W3C trace context carried through", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.now());
  const { logger, records } = capturingLogger();

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "5" }, { clock, pollIntervalMs: 3_600_000, logger });
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("is off without OTEL_* variables", () => {
    assert.equal(h.ctx.tracing.enabled, false);
  });

  it("keeps the posted traceparent with the message: each attempt continues it with a span id of its own", async () => {
    const unsampled = `00-${TRACE_ID}-${PARENT_ID}-00`;
    const { appId } = await appWithEndpoint(h, `${receiver.url}/off`);
    receiver.respond((_req, index) => ({ status: index === 0 ? 500 : 200 }));
    const res = await h.api(
      "POST",
      `/api/v1/app/${appId}/msg`,
      { eventType: "t", payload: {} },
      { traceparent: unsampled, tracestate: "vendor=abc" },
    );
    assert.equal(res.status, 202);
    await receiver.waitFor(1);
    await h.dispatcher.idle();
    clock.advance(60_000);
    await h.dispatcher.pollNow();
    await receiver.waitFor(2);
    await h.dispatcher.idle();
    const [first, second] = receiver.requests.map(traceparentOf);
    assert.equal(first!.traceId, TRACE_ID);
    assert.equal(second!.traceId, TRACE_ID, "the retry read the trace back from the store");
    assert.equal(first!.flags, 0, "the sender's sampling decision is kept");
    assert.notEqual(first!.parentId, PARENT_ID);
    assert.notEqual(first!.parentId, second!.parentId);
    assert.equal(receiver.requests[1]!.headers["tracestate"], "vendor=abc");

    const lines = records.filter((r) => r.msg === "delivery attempt" && r.msgId === res.body.id);
    assert.equal(lines.length, 2);
    assert.deepEqual(
      lines.map((l) => [l.traceId, l.spanId]),
      [
        [TRACE_ID, first!.parentId],
        [TRACE_ID, second!.parentId],
      ],
    );
  });

  it("stores each message's own trace context when several are accepted at once (grouped inserts)", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/grouped`);
    receiver.respond(() => ({ status: 200 }));
    const posted = Array.from({ length: 6 }, (_, i) => ({
      traceparent: `00-${String(i + 1).repeat(32)}-${PARENT_ID}-01`,
      tracestate: `k=${i}`,
    }));
    const ids = await Promise.all(
      posted.map((headers) =>
        h
          .api("POST", `/api/v1/app/${appId}/msg`, { eventType: "t", payload: {} }, headers)
          .then((r) => r.body.id as string),
      ),
    );
    await h.dispatcher.idle();
    for (const [i, id] of ids.entries()) {
      const stored = await h.ctx.store.messages.get(appId, id);
      assert.equal(stored?.traceparent, posted[i]!.traceparent);
      assert.equal(stored?.tracestate, posted[i]!.tracestate);
    }
    const untraced = await h.ctx.store.messages.get(appId, await sendMessage(h, appId));
    assert.equal(untraced?.traceparent, null);
    assert.equal(untraced?.tracestate, null);
  });

  it("sends no traceparent for a message posted with a malformed one, and accepts the message", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/off-malformed`);
    receiver.respond(() => ({ status: 200 }));
    const before = receiver.requests.length;
    const res = await h.api(
      "POST",
      `/api/v1/app/${appId}/msg`,
      { eventType: "t", payload: {} },
      { traceparent: `00-${"0".repeat(32)}-${PARENT_ID}-01` },
    );
    assert.equal(res.status, 202, res.text);
    await receiver.waitFor(before + 1);
    await h.dispatcher.idle();
    const delivery = receiver.requests.find((r) => r.path === "/off-malformed")!;
    assert.equal(delivery.headers["traceparent"], undefined);
    const line = records.find((r) => r.msg === "delivery attempt" && r.msgId === res.body.id);
    assert.ok(line);
    assert.equal(line.traceId, undefined);
  });

  it("replaces an endpoint's custom traceparent header only when the message has a trace", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/custom`, {
      headers: { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01` },
    });
    const before = receiver.requests.length;
    await sendMessage(h, appId);
    await h.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "t", payload: {} }, { traceparent: POSTED });
    await receiver.waitFor(before + 2);
    const custom = receiver.requests.filter((r) => r.path === "/custom").map(traceparentOf);
    assert.deepEqual(custom.map((t) => t.traceId).sort(), ["a".repeat(32), TRACE_ID].sort());
  });
});

/** A collector that refuses every export: the operator learns of it from the log, once, not per batch. */
describe("tracing on, collector refusing exports", () => {
  let h: TestHookline;
  let receiver: Receiver;
  let collector: Receiver;
  const { logger, records } = capturingLogger();

  before(async () => {
    receiver = await Receiver.start();
    collector = await Receiver.start();
    collector.respond(() => ({ status: 400, body: "bad request" }));
    h = await startTestHookline(
      {},
      {
        logger,
        tracingEnv: {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_BSP_SCHEDULE_DELAY: "20",
        },
      },
    );
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
    await collector?.close();
  });

  it("warns about failed exports in the process log, at most once a minute, and keeps delivering", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/refused`);
    await sendMessage(h, appId);
    await receiver.waitFor(1);
    await collector.waitFor(1);
    await sendMessage(h, appId);
    await receiver.waitFor(2);
    await collector.waitFor(2);
    const deadline = Date.now() + 10_000;
    const warnings = () => records.filter((r) => r.msg === "tracing problem (spans may be lost)");
    while (warnings().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(warnings().length, 1, JSON.stringify(records.map((r) => r.msg)));
    assert.equal(warnings()[0]!.level, 40);
    assert.equal(warnings()[0]!.detail, "OTLPExporterError: Bad Request (400)", "says what failed");
  });
});

/** The default encoding: OTLP/HTTP protobuf, as a collector's otlphttp receiver takes it. */
describe("tracing on, default protocol", () => {
  it("exports protobuf to <endpoint>/v1/traces carrying the posted trace id", async () => {
    const receiver = await Receiver.start();
    const collector = await Receiver.start();
    const h = await startTestHookline({}, { tracingEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } });
    try {
      const { appId } = await appWithEndpoint(h, `${receiver.url}/protobuf`);
      await h.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "t", payload: {} }, { traceparent: POSTED });
      await receiver.waitFor(1);
      await h.dispatcher.idle();
      await h.ctx.tracing.flush();
      assert.ok(collector.requests.length > 0, "an export arrived");
      for (const e of collector.requests) {
        assert.equal(e.path, "/v1/traces");
        assert.equal(e.headers["content-type"], "application/x-protobuf");
      }
      const raw = Buffer.concat(collector.requests.map((e) => e.raw));
      // Protobuf carries ids as raw bytes: the trace id appears once per span (accept and attempt).
      const id = Buffer.from(TRACE_ID, "hex");
      let count = 0;
      for (let at = raw.indexOf(id); at !== -1; at = raw.indexOf(id, at + 1)) count++;
      assert.equal(count, 2);
    } finally {
      await h.close();
      await receiver.close();
      await collector.close();
    }
  });
});
