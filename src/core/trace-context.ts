import { randomFillSync } from "node:crypto";

/**
 * W3C Trace Context (the `traceparent` and `tracestate` headers), parsed and formatted without
 * OpenTelemetry: a message keeps the trace it was posted in, and its deliveries continue it, even
 * when this process exports no spans (docs/operations.md, "Tracing").
 */

/** A trace context as a message keeps it: the two headers, already validated and normalised. */
export interface TraceHeaders {
  /** Version 00 form: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`. */
  traceparent: string;
  /** The vendors' list as received (validated), or null when absent or malformed. */
  tracestate: string | null;
}

export interface ParsedTraceparent {
  traceId: string;
  parentId: string;
  /** The trace-flags byte (bit 0: sampled). */
  flags: number;
}

const HEX = /^[0-9a-f]+$/;
const ALL_ZERO = /^0+$/;

/**
 * A `traceparent` value as the W3C Trace Context spec (level 1 and 2) reads it, or null when it is
 * malformed: lower-case hex only, a version other than `ff`, a trace id and parent id not all
 * zeros. A version above 00 is read by its first four fields (the spec's forward compatibility)
 * provided what follows them starts with a dash; version 00 must be exactly 55 characters.
 */
export function parseTraceparent(value: string | undefined | null): ParsedTraceparent | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (text.length < 55) return null;
  const version = text.slice(0, 2);
  if (!HEX.test(version) || version === "ff") return null;
  if (version === "00" ? text.length !== 55 : text.length > 55 && text[55] !== "-") return null;
  if (text[2] !== "-" || text[35] !== "-" || text[52] !== "-") return null;
  const traceId = text.slice(3, 35);
  const parentId = text.slice(36, 52);
  const flags = text.slice(53, 55);
  if (!HEX.test(traceId) || !HEX.test(parentId) || !HEX.test(flags)) return null;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return null;
  return { traceId, parentId, flags: Number.parseInt(flags, 16) };
}

export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, "0")}`;
}

/** The spec's limits: at most 32 list members; 512 characters is what every vendor must pass on. */
const MAX_MEMBERS = 32;
const PROPAGATED_LENGTH = 512;
const LONG_MEMBER = 128;
const SIMPLE_KEY = "[a-z][_0-9a-z\\-*/]{0,255}";
const TENANT_KEY = "[a-z0-9][_0-9a-z\\-*/]{0,240}@[a-z][_0-9a-z\\-*/]{0,13}";
const MEMBER = new RegExp(
  `^(${SIMPLE_KEY}|${TENANT_KEY})=([\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e])$`,
);

/**
 * A `tracestate` value, validated as the spec defines its list (keys, values, no key twice, at
 * most 32 members; empty members and spaces around commas dropped), or null if it is absent or
 * malformed: the spec forbids passing on a tracestate one could not parse. Past 512 characters,
 * members longer than 128 characters go first, then the last ones, as the spec allows.
 */
export function parseTracestate(value: string | undefined | null): string | null {
  if (typeof value !== "string") return null;
  const members = value
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "");
  if (members.length === 0 || members.length > MAX_MEMBERS) return null;
  const keys = new Set<string>();
  for (const member of members) {
    const match = MEMBER.exec(member);
    if (!match || keys.has(match[1]!)) return null;
    keys.add(match[1]!);
  }
  let kept = members;
  if (kept.join(",").length > PROPAGATED_LENGTH) kept = kept.filter((m) => m.length <= LONG_MEMBER);
  while (kept.length > 0 && kept.join(",").length > PROPAGATED_LENGTH) kept = kept.slice(0, -1);
  return kept.length > 0 ? kept.join(",") : null;
}

/**
 * The trace context an HTTP request carries, or null when its `traceparent` is absent or malformed:
 * the spec has a receiver ignore a malformed one (and its tracestate) and start a new trace, so a
 * bad header never refuses a request. Normalised to version 00, the version this process sends.
 */
export function incomingTrace(headers: Record<string, string | string[] | undefined>): TraceHeaders | null {
  const raw = headers["traceparent"];
  // Two traceparent headers are as malformed as a bad one.
  if (Array.isArray(raw)) return null;
  const parsed = parseTraceparent(raw);
  if (!parsed) return null;
  const state = headers["tracestate"];
  return {
    traceparent: formatTraceparent(parsed.traceId, parsed.parentId, parsed.flags),
    tracestate: parseTracestate(Array.isArray(state) ? state.join(",") : state),
  };
}

/** Random bytes drawn a few kilobytes at a time: one crypto call per id costs more than the rest of an attempt's tracing. */
const pool = Buffer.alloc(8192);
let poolOffset = pool.length;

/** A span id: 8 random bytes, never all zeros (the spec's invalid value). */
export function newSpanId(): string {
  for (;;) {
    if (poolOffset === pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const id = pool.toString("hex", poolOffset, poolOffset + 8);
    poolOffset += 8;
    if (!ALL_ZERO.test(id)) return id;
  }
}

/** One outgoing request's place in a trace: the headers to send and the ids the logs show. */
export interface OutgoingTrace extends TraceHeaders {
  traceId: string;
  spanId: string;
}

/**
 * The headers for one more request in a stored trace when no span is recorded for it: the same
 * trace id and flags, and a new parent id of its own, so each delivery attempt is a distinct
 * request in the trace. Null when the stored value cannot be read.
 */
export function continueTrace(stored: TraceHeaders): OutgoingTrace | null {
  const parsed = parseTraceparent(stored.traceparent);
  if (!parsed) return null;
  const spanId = newSpanId();
  return {
    traceId: parsed.traceId,
    spanId,
    traceparent: formatTraceparent(parsed.traceId, spanId, parsed.flags),
    tracestate: stored.tracestate,
  };
}

/**
 * Adds the trace context a delivery continues to its headers (a request's own object). Set here, after the endpoint's custom
 * headers: a custom `traceparent` or `tracestate` is replaced when the message has a trace, since a
 * fixed value would tie every delivery to one unrelated trace. Neither is signed content (the
 * signature covers the message id, timestamp and body), so adding them changes no signature.
 */
export function addTraceHeaders(headers: Record<string, string>, trace: TraceHeaders): void {
  headers.traceparent = trace.traceparent;
  if (trace.tracestate) headers.tracestate = trace.tracestate;
  else if (headers.tracestate !== undefined) delete headers.tracestate;
}

/** The trace context a stored message carries, or null. */
export function storedTrace(message: { traceparent?: string | null; tracestate?: string | null }): TraceHeaders | null {
  return message.traceparent ? { traceparent: message.traceparent, tracestate: message.tracestate ?? null } : null;
}
