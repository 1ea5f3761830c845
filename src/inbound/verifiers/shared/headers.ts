import type { InboundRequest } from "../../verifier.ts";

/**
 * The first of `names` (lower case) the request carries with a non-blank value, trimmed; or
 * undefined. Several names cover providers that send one value under two spellings (Shopify's
 * `X-Shopify-Hmac-Sha256` and `shopify-hmac-sha256`, `webhook-id` and `svix-id`).
 */
export function header(request: InboundRequest, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = request.headers[name.toLowerCase()]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** The media type of the request (`application/json`), lower case and without parameters. */
export function mediaType(request: InboundRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}
