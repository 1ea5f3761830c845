import type { Endpoint } from "../core/entities.ts";
import type { SendResult } from "./http-sender.ts";
import { REDACTED, sentHeadersHidden } from "./webhook-request.ts";

/**
 * At most this many of a receiver's response headers are kept per attempt, in the order they
 * came. A typical response has 5–20; a few receivers (CDNs, debug proxies) send dozens, and the
 * attempt row is read with every attempt listed, so the rest are dropped.
 */
export const RESPONSE_HEADERS_MAX_COUNT = 50;
/**
 * …and at most this many bytes of names and values together (UTF-8). 8 KiB is the header block
 * many servers accept in a request; a response header larger than that (a long CSP, a debug
 * trace) ends the list, so one attempt row never holds more than the body's 20 kB plus this.
 */
export const RESPONSE_HEADERS_MAX_BYTES = 8 * 1024;

/**
 * Response headers whose values carry credentials or sessions: a receiver answering with a cookie
 * or a token does not expect every reader of the attempt log to be able to use it. Names stay.
 */
const CREDENTIAL_HEADERS = new Set([
  "set-cookie",
  "set-cookie2",
  "cookie",
  "authorization",
  "proxy-authorization",
  "www-authenticate",
  "proxy-authenticate",
  "x-auth-token",
  "x-api-key",
  "x-csrf-token",
  "x-xsrf-token",
]);

/**
 * The receiver's response headers as the attempt log keeps them: lower-case names, repeated
 * headers joined with ", ", credentials redacted (the names above, plus what the request-header
 * rule hides: the signature headers and the endpoint's custom headers, which a receiver may
 * echo), bounded by RESPONSE_HEADERS_MAX_COUNT and RESPONSE_HEADERS_MAX_BYTES. Null when no
 * response came (a timeout, a refused connection, a step that sent nothing).
 */
export function responseHeadersForLog(
  result: Pick<SendResult, "statusCode" | "headers">,
  endpoint: Pick<Endpoint, "headers">,
): Record<string, string> | null {
  if (result.statusCode === 0) return null;
  const hidden = new Set(sentHeadersHidden(endpoint));
  const out: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  for (const [rawName, rawValue] of Object.entries(result.headers)) {
    if (rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    // U+0000 cannot be stored in PostgreSQL's jsonb; a local receiver (not an HTTP parser) could send one.
    const joined = (Array.isArray(rawValue) ? rawValue.join(", ") : rawValue).replaceAll("\u0000", "\uFFFD");
    const value = CREDENTIAL_HEADERS.has(name) || hidden.has(name) ? REDACTED : joined;
    const size = Buffer.byteLength(name) + Buffer.byteLength(value);
    if (count + 1 > RESPONSE_HEADERS_MAX_COUNT || bytes + size > RESPONSE_HEADERS_MAX_BYTES) break;
    out[name] = value;
    count += 1;
    bytes += size;
  }
  return out;
}
