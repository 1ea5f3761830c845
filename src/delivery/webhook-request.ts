import type { Endpoint } from "../core/entities.ts";
import { signatureHeader, signingKeyOf, type SigningKey } from "../core/signing.ts";
import { isHopByHopHeader, isReservedHeader } from "../core/endpoints/header-names.ts";

// Which names custom headers may not use is an endpoint rule (src/core/endpoints/header-names.ts); delivery applies it again.
export { isHopByHopHeader, isReservedHeader };

export const USER_AGENT = "Hookline-Webhooks/0.1";

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
    if (!isReservedHeader(name) && !isHopByHopHeader(name)) headers[name.toLowerCase()] = value;
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

/** What the attempt log shows in place of a value it does not keep. */
export const REDACTED = "(redacted)";

/**
 * The headers of a sent request as the attempt log keeps them: without the signatures (with them
 * and the logged body anyone reading the log could replay a request that verifies) and without
 * the values of the endpoint's custom headers, which often carry the receiver's credentials and
 * are sealed at rest (docs/operations.md#secrets-at-rest). Their names stay, so the log still
 * shows which were sent.
 */
export function headersForLog(
  sent: Record<string, string>,
  endpoint: Pick<Endpoint, "headers">,
): Record<string, string> {
  const out = { ...sent };
  for (const name of sentHeadersHidden(endpoint)) if (out[name] !== undefined) out[name] = REDACTED;
  return out;
}

/** The lower-case names whose values the attempt log hides: the signatures and the endpoint's custom headers. */
export function sentHeadersHidden(endpoint: Pick<Endpoint, "headers">): string[] {
  const hidden = ["webhook-signature", "svix-signature"];
  for (const name of Object.keys(endpoint.headers))
    if (!isReservedHeader(name) && !isHopByHopHeader(name)) hidden.push(name.toLowerCase());
  return hidden;
}
