import type { Endpoint } from "../core/entities.ts";
import { signatureHeader, signingKeyOf, type SigningKey } from "../core/signing.ts";

export const USER_AGENT = "Hookline-Webhooks/0.1";

/** Headers an endpoint's custom headers may not override: they carry the signature and framing. */
const RESERVED = new Set([
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "svix-id",
  "svix-timestamp",
  "svix-signature",
  "content-type",
  "content-length",
  "host",
  "transfer-encoding",
  "connection",
  "hookline-endpoint-version",
  "webhook-request-origin",
]);

export function isReservedHeader(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

/** The keys a delivery is signed with now: the current secret plus any still in a rotation's grace period. */
export function signingKeys(endpoint: Endpoint, now: number): SigningKey[] {
  const keys = [signingKeyOf(endpoint.secret)];
  for (const previous of endpoint.previousSecrets) if (previous.expiresAt > now) keys.push(signingKeyOf(previous.key));
  return keys;
}

/**
 * Standard Webhooks headers, repeated under the svix-* names for receivers built on Svix's
 * libraries. The timestamp is the attempt's, so it is fresh on every retry; the id is the message's.
 */
export function webhookHeaders(
  endpoint: Endpoint,
  msgId: string,
  body: string | Buffer,
  now: number,
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  const signature = signatureHeader(signingKeys(endpoint, now), msgId, timestamp, body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(endpoint.headers))
    if (!isReservedHeader(name)) headers[name.toLowerCase()] = value;
  headers["user-agent"] ??= USER_AGENT;
  // The endpoint's version, so a receiver can branch on the payload generation it was set up for.
  headers["hookline-endpoint-version"] = String(endpoint.version);
  headers["content-type"] = "application/json";
  headers["webhook-id"] = msgId;
  headers["webhook-timestamp"] = String(timestamp);
  headers["webhook-signature"] = signature;
  headers["svix-id"] = msgId;
  headers["svix-timestamp"] = String(timestamp);
  headers["svix-signature"] = signature;
  return headers;
}
