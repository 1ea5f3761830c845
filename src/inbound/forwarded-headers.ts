/**
 * Which of a provider's original headers travel with a forwarded event when the source does not
 * choose its own list: the ones that say what the event is and which delivery it was, so the
 * internal service can branch and de-duplicate without the provider's signature scheme. The
 * provider's signature headers are not forwarded by default: the forward carries Hookline's own
 * Standard Webhooks signature, made with the destination's secret.
 */
const DEFAULTS: Record<string, readonly string[]> = {
  github: [
    "x-github-event",
    "x-github-delivery",
    "x-github-hook-id",
    "x-github-hook-installation-target-id",
    "x-github-hook-installation-target-type",
  ],
  stripe: [],
  shopify: [
    "x-shopify-topic",
    "x-shopify-shop-domain",
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "x-shopify-api-version",
    "x-shopify-triggered-at",
    "shopify-topic",
    "shopify-shop-domain",
    "shopify-webhook-id",
    "shopify-event-id",
    "shopify-api-version",
    "shopify-triggered-at",
  ],
  slack: ["x-slack-retry-num", "x-slack-retry-reason"],
  twilio: ["i-twilio-idempotency-token"],
};

/** Headers never stored or forwarded from a received request: credentials and hop-by-hop framing. */
const NEVER = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
]);

export const defaultForwardedHeaders = (type: string): readonly string[] => DEFAULTS[type] ?? [];

/** The original headers to store with an accepted event, by the source's list (or its type's default). */
export function pickForwardedHeaders(
  headers: Record<string, string>,
  chosen: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of chosen) {
    const lower = name.toLowerCase();
    const value = headers[lower];
    if (value !== undefined && !NEVER.has(lower)) out[lower] = value;
  }
  return out;
}

/**
 * The request headers as written to the source's log, so an operator can see why a request was
 * refused: everything but credentials (an api-key source's key header is passed in `secretHeader`).
 */
export function loggableHeaders(headers: Record<string, string>, secretHeader: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const hidden = name === "authorization" || name === "proxy-authorization" || name === "cookie";
    out[name] = hidden || name === secretHeader ? "[redacted]" : value;
  }
  return out;
}

export const isForbiddenForwardHeader = (name: string): boolean => NEVER.has(name.toLowerCase());
