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

/**
 * Hop-by-hop and connection-management headers (RFC 9110 §7.6.1, plus `Keep-Alive`, `Expect` and
 * the `Proxy-*` family): they describe one connection, not the request, and set by hand they
 * break every delivery (an `Upgrade` or `Expect: 100-continue` the receiver acts on, a `TE` the
 * client does not honour). Refused as custom headers; never sent even if stored before that.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "upgrade", "expect", "te", "trailer", "transfer-encoding"]);

export function isHopByHopHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || lower.startsWith("proxy-");
}
