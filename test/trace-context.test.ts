import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  continueTrace,
  incomingTrace,
  parseTraceparent,
  parseTracestate,
  addTraceHeaders,
} from "../src/core/trace-context.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const VALID = `00-${TRACE_ID}-${PARENT_ID}-01`;

/** The W3C Trace Context rules for reading traceparent and tracestate (core/trace-context.ts). */
describe("traceparent", () => {
  it("reads a version 00 header", () => {
    assert.deepEqual(parseTraceparent(VALID), { traceId: TRACE_ID, parentId: PARENT_ID, flags: 1 });
    assert.deepEqual(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-00`)?.flags, 0);
  });

  for (const [why, value] of [
    ["upper-case hex", `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT_ID}-01`],
    ["an all-zero parent id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ["a version 00 with more after it", `${VALID}-extra`],
    ["a short trace id", `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
    ["wrong separators", `00_${TRACE_ID}_${PARENT_ID}_01`],
    ["non-hex flags", `00-${TRACE_ID}-${PARENT_ID}-zz`],
    ["a future version run on without a dash", `01-${TRACE_ID}-${PARENT_ID}-01x`],
    ["an empty value", ""],
  ] as const) {
    it(`refuses ${why}`, () => assert.equal(parseTraceparent(value), null));
  }

  it("reads a future version by its first four fields", () => {
    assert.deepEqual(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-holds`), {
      traceId: TRACE_ID,
      parentId: PARENT_ID,
      flags: 1,
    });
  });
});

describe("tracestate", () => {
  it("keeps a valid list, dropping empty members and spaces around commas", () => {
    assert.equal(
      parseTracestate("congo=t61rcWkgMzE, rojo=00f067aa0ba902b7,,"),
      "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
    );
    assert.equal(parseTracestate("tenant@vendor=x"), "tenant@vendor=x");
  });

  for (const [why, value] of [
    ["a key twice", "a=1,a=2"],
    ["an upper-case key", "Rojo=1"],
    ["a member without =", "rojo"],
    ["a value with a comma-less =", "rojo=a=b"],
    ["more than 32 members", Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(",")],
  ] as const) {
    it(`drops a list with ${why}`, () => assert.equal(parseTracestate(value), null));
  }

  it("shortens a list past 512 characters: long members first, then the last ones", () => {
    const long = `big=${"x".repeat(200)}`;
    const small = Array.from({ length: 30 }, (_, i) => `key${i}=${"v".repeat(12)}`);
    const out = parseTracestate([long, ...small].join(","))!;
    assert.ok(!out.includes("big="));
    assert.ok(out.length <= 512);
    assert.ok(out.startsWith("key0="));
  });
});

describe("incoming and outgoing trace context", () => {
  it("ignores a malformed traceparent together with its tracestate", () => {
    assert.equal(incomingTrace({ traceparent: "garbage", tracestate: "a=1" }), null);
    assert.equal(incomingTrace({}), null);
    assert.equal(incomingTrace({ traceparent: [VALID, VALID] }), null, "two headers are malformed");
  });

  it("keeps a valid traceparent when only its tracestate is malformed, normalised to version 00", () => {
    assert.deepEqual(incomingTrace({ traceparent: VALID, tracestate: "A=1" }), {
      traceparent: VALID,
      tracestate: null,
    });
    assert.deepEqual(incomingTrace({ traceparent: `01-${TRACE_ID}-${PARENT_ID}-01-more` }), {
      traceparent: VALID,
      tracestate: null,
    });
  });

  it("continues a trace with the same trace id and flags and a new span id each time", () => {
    const stored = { traceparent: VALID, tracestate: "a=1" };
    const one = continueTrace(stored)!;
    const two = continueTrace(stored)!;
    assert.equal(one.traceId, TRACE_ID);
    assert.match(one.traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    assert.notEqual(one.spanId, PARENT_ID);
    assert.notEqual(one.spanId, two.spanId);
    assert.equal(one.tracestate, "a=1");
  });

  it("replaces an endpoint's own traceparent and tracestate headers", () => {
    const headers: Record<string, string> = { "x-custom": "1", traceparent: "fixed", tracestate: "fixed=1" };
    addTraceHeaders(headers, { traceparent: VALID, tracestate: null });
    assert.deepEqual(headers, { "x-custom": "1", traceparent: VALID });
    addTraceHeaders(headers, { traceparent: VALID, tracestate: "a=1" });
    assert.deepEqual(headers, { "x-custom": "1", traceparent: VALID, tracestate: "a=1" });
  });
});
