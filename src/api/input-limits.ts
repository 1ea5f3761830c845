import http from "node:http";
import type { Socket } from "node:net";
import type { ErrorObject } from "ajv";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../core/errors.ts";

/**
 * Limits on hostile input that the schemas cannot express. Every one is answered with a clear 4xx
 * in the API's error shapes, before any of the input reaches a route or the store. (The body size
 * limit, HOOKLINE_MAX_BODY_BYTES, is Fastify's `bodyLimit`: 413.)
 */
export const INPUT_LIMITS = {
  /**
   * Objects and arrays nested deeper than this in a request body: 400 `json_too_deep`, checked on
   * the raw text before JSON.parse. The API's own bodies nest 4 levels at most (a message's
   * `application.metadata` values) and real webhook payloads rarely 10; 64 is also the default
   * maximum depth of .NET's System.Text.Json, so a deeper payload could not even be read by such
   * a receiver. It keeps every recursive consumer of a body (JSON.stringify when the message is
   * stored, Ajv payload schemas, JSONata filters and transformations, PostgreSQL's jsonb parser)
   * thousands of frames away from its stack limit: without it, a message whose payload nested
   * 400,000 arrays (under 1 MiB) parsed fine, then JSON.stringify threw a RangeError: a 500.
   */
  maxJsonDepth: 64,
  /**
   * Bytes of request line and header fields together (Node's own default, made explicit): 431
   * `headers_too_large`, answered by the HTTP parser itself. The API's real headers are a bearer
   * token, an idempotency key of at most 256 characters and a few standard ones; 16 KiB leaves room
   * for proxies' forwarding and tracing headers and for cookies on a shared domain.
   */
  maxHeaderBytes: 16 * 1024,
  /**
   * Header fields in one request: 431 `too_many_headers`. Apache's LimitRequestFields default; the
   * SDKs send about ten, proxies add a handful. Node itself would silently drop the fields past
   * its `maxHeadersCount` (2,000 by default) instead of refusing the request.
   */
  maxHeaderCount: 100,
  /**
   * Characters in any string (or object key) of a request body outside a message's free-form
   * `payload`: 422 `maxLength`. A backstop for the fields without a schema cap of their own
   * (metadata, transformation variables, event-type schemas); it equals the longest field the
   * schemas allow (an endpoint URL), so it never cuts a value a schema accepts.
   */
  maxStringLength: 65_536,
} as const;

/**
 * Request parts whose strings are never stored in a database column as text: a message's
 * `payload` is stored as JSON text, where a NUL or an unpaired surrogate stays an escape sequence
 * (`\u0000`), and a simulated transformation's payload is not stored at all. Every other string a
 * request carries can end up in a PostgreSQL TEXT or JSONB column, which cannot hold U+0000 and
 * rejects unpaired surrogates in JSONB.
 */
const FREE_FORM_BODY_FIELDS: Record<string, string[]> = {
  "POST /api/v1/app/:app_id/msg": ["payload"],
  "POST /api/v1/app/:app_id/endpoint/:endpoint_id/transformation/simulate": ["payload"],
};

/** One 422 detail, in the shape the validator's answers have. */
export interface InputProblem {
  loc: string[];
  msg: string;
  type: string;
}

/** Thrown by the checks below; the error handler answers it as a 422 with this one detail. */
export class InputError extends Error {
  constructor(readonly problem: InputProblem) {
    super(problem.msg);
  }
}

/**
 * True when `text`, read as JSON, nests objects and arrays deeper than `maxDepth`. Brackets inside
 * string literals do not count. One linear pass with no allocation (a few ms per MiB), so a
 * depth bomb is refused before JSON.parse builds it; malformed text gives a meaningless answer,
 * but JSON.parse then refuses it anyway.
 */
export function jsonNestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string literal: to the next quote not escaped by an odd run of backslashes.
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/** The application/json body parser's work: depth check, then JSON.parse; both refusals are 400s. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return {};
  if (jsonNestsDeeperThan(text, INPUT_LIMITS.maxJsonDepth)) {
    throw new ApiError(
      400,
      "json_too_deep",
      `request body nests objects and arrays deeper than ${INPUT_LIMITS.maxJsonDepth} levels`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // SyntaxError for malformed text; a RangeError would mean exhausted memory or stack.
    throw new ApiError(400, "invalid_json", `request body is not valid JSON: ${(error as Error).message}`);
  }
}

// U+0000, or a UTF-16 surrogate that is not half of a pair (valid JSON: `"\ud800"`, invalid text).
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A key as it appears in a `loc`: bounded, so a hostile key is not echoed back at full length. */
const locKey = (key: string): string => (key.length > 256 ? `${key.slice(0, 256)}…` : key);

function checkString(value: string, loc: string[], limitLength: boolean): void {
  if (limitLength && value.length > INPUT_LIMITS.maxStringLength) {
    throw new InputError({ loc, msg: `must be at most ${INPUT_LIMITS.maxStringLength} characters`, type: "maxLength" });
  }
  const bad = UNSTORABLE.exec(value);
  if (!bad) return;
  throw new InputError(
    bad[0] === "\u0000"
      ? { loc, msg: "must not contain NUL characters (\\u0000)", type: "nul_character" }
      : { loc, msg: "must be valid Unicode text: it contains an unpaired UTF-16 surrogate", type: "unicode" },
  );
}

/**
 * Walks a parsed request part and throws an InputError for the first string or key that cannot be
 * stored, is over the length backstop, or is a prototype-poisoning key. `skip` names top-level
 * fields that are free-form JSON kept as JSON text: only the key rules apply inside them.
 */
export function checkRequestPart(value: unknown, where: string, skip: readonly string[] = []): void {
  const walk = (v: unknown, loc: string[], freeForm: boolean): void => {
    if (typeof v === "string") {
      if (!freeForm) checkString(v, loc, true);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], [...loc, String(i)], freeForm);
      return;
    }
    for (const key of Object.keys(v)) {
      const keyLoc = [...loc, locKey(key)];
      // What Fastify's own JSON parser refuses by default (onProtoPoisoning, onConstructorPoisoning).
      const child = (v as Record<string, unknown>)[key];
      if (
        key === "__proto__" ||
        (key === "constructor" && typeof child === "object" && child !== null && Object.hasOwn(child, "prototype"))
      ) {
        throw new InputError({ loc: keyLoc, msg: "is a reserved key (prototype poisoning)", type: "forbidden_key" });
      }
      if (!freeForm) checkString(key, keyLoc, true);
      walk(child, keyLoc, freeForm || (loc.length === 1 && skip.includes(key)));
    }
  };
  walk(value, [where], false);
}

/** A compiled validator as Fastify calls it: true, or false with Ajv-shaped `errors`. */
export type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * Wraps a validator of a text part (query string, path, headers) so that a number coerced from
 * text must be finite. Ajv coerces `limit=1e309` (or `Infinity`) to Infinity, and its `minimum` and
 * `maximum` checks skip non-finite numbers, so `?limit=1e309` passed validation and reached the
 * database as Infinity (a 500). Refused as the type error it is: 422 at ["query", "limit"].
 */
export function finiteNumbersOnly(validate: Validator): Validator {
  const wrapped: Validator = (data: unknown) => {
    if (!validate(data)) {
      wrapped.errors = validate.errors;
      return false;
    }
    const bad = nonFiniteAt(data);
    wrapped.errors = bad
      ? [{ instancePath: bad, schemaPath: "#", keyword: "type", params: {}, message: "must be a finite number" }]
      : null;
    return bad === null;
  };
  return wrapped;
}

function nonFiniteAt(data: unknown): string | null {
  if (typeof data !== "object" || data === null) return null;
  for (const [key, value] of Object.entries(data)) {
    const path = `/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (typeof value === "number" && !Number.isFinite(value)) return path;
    if (Array.isArray(value)) {
      const i = value.findIndex((v) => typeof v === "number" && !Number.isFinite(v));
      if (i !== -1) return `${path}/${i}`;
    }
  }
  return null;
}

/**
 * Registers the per-request checks. Call before the authentication hook: an oversized request is
 * refused as such whoever sends it.
 */
export function registerInputLimits(app: FastifyInstance): void {
  // Node keeps only the first `maxHeadersCount` fields and drops the rest without a word: a
  // request could lose its Host header (a bare 400) or any other. Every field is kept instead (the
  // header byte limit bounds them to a few thousand) and the hook below refuses the request.
  app.server.maxHeadersCount = 0;

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const count = request.raw.rawHeaders.length / 2;
    if (count > INPUT_LIMITS.maxHeaderCount) {
      return reply
        .code(431)
        .header("connection", "close")
        .send({
          code: "too_many_headers",
          detail: `a request may carry at most ${INPUT_LIMITS.maxHeaderCount} header fields`,
        });
    }
  });

  app.addHook("preValidation", async (request: FastifyRequest) => {
    checkRequestPart(request.params, "path");
    checkRequestPart(request.query, "query");
    // A raw body (an inbound webhook, stored and forwarded byte for byte) is not inspected.
    if (request.body !== undefined && !Buffer.isBuffer(request.body)) {
      const route = `${request.method} ${request.routeOptions.url ?? ""}`;
      checkRequestPart(request.body, "body", FREE_FORM_BODY_FIELDS[route]);
    }
  });
}

/**
 * Errors the HTTP parser raises before a request exists (oversized headers, malformed syntax, a
 * client too slow to send its headers), answered in the API's `{code, detail}` shape instead of
 * Fastify's default body; the connection is closed, since the parser cannot resynchronise.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  let status: number;
  let body: { code: string; detail: string };
  if (error.code === "HPE_HEADER_OVERFLOW") {
    status = 431;
    body = {
      code: "headers_too_large",
      detail: `the request line and headers may take at most ${INPUT_LIMITS.maxHeaderBytes} bytes`,
    };
  } else if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    status = 408;
    body = { code: "request_timeout", detail: "the request was not received in time" };
  } else {
    status = 400;
    body = { code: "bad_request", detail: `malformed HTTP request${error.code ? ` (${error.code})` : ""}` };
  }
  if (socket.writable) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
