import type { SourceVerifier } from "../verifier.ts";
import { secretOnlyConfigProblem } from "./shared/config-checks.ts";
import { signaturesEqual } from "./shared/constant-time.ts";
import { header } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { hmac, mismatch, refuse, secretsOf } from "./shared/secrets.ts";

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(app client secret, raw body)>`. Shopify's
 * newer Events deliveries send the same headers without the `X-Shopify-` prefix
 * (`shopify-hmac-sha256`, `shopify-topic` …); both spellings are read. Neither a timestamp nor the
 * webhook id is signed, so replays are caught by de-duplication on both the webhook id and the
 * body's digest (signature scope `content`).
 */
export type ShopifyConfig = { secret: string; fallbackSecret?: string | null };

/** 32 bytes in standard padded base64; a hex digest is refused, as the Shopify library does. */
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;

export const shopifyVerifier: SourceVerifier<ShopifyConfig> = {
  type: "shopify",
  validateConfig: (config) => secretOnlyConfigProblem(config, true),

  verify(config, request) {
    const signature = header(request, "x-shopify-hmac-sha256", "shopify-hmac-sha256");
    if (signature === undefined) return refuse("missing X-Shopify-Hmac-Sha256 header");
    if (!SIGNATURE.test(signature)) {
      return refuse("X-Shopify-Hmac-Sha256 is not a base64 HMAC-SHA256 (44 characters ending in =)");
    }
    const secrets = secretsOf(config);
    const matches = secrets.some((secret) =>
      signaturesEqual(signature, hmac("sha256", secret, request.rawBody).toString("base64")),
    );
    if (!matches) return refuse(mismatch("signature", secrets.length));
    return {
      ok: true,
      // The webhook id is the same on every retry of one delivery; the event id (newer API
      // versions) is shared by deliveries of the same event to several subscriptions.
      dedupeId:
        header(request, "x-shopify-webhook-id", "shopify-webhook-id") ??
        header(request, "x-shopify-event-id", "shopify-event-id") ??
        null,
      // `orders/create`; the registry turns the slash into a dot.
      eventType: header(request, "x-shopify-topic", "shopify-topic") ?? null,
    };
  },

  signatureScope: () => "content",
  redact: (config) => redactSecrets(config, ["secret", "fallbackSecret"]),
};
