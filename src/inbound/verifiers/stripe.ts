import type { SourceVerifier } from "../verifier.ts";
import { jsonObject, stringField } from "./shared/body.ts";
import { secretOnlyConfigProblem } from "./shared/config-checks.ts";
import { signaturesEqual } from "./shared/constant-time.ts";
import { header } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { hmac, mismatch, refuse, secretsOf } from "./shared/secrets.ts";
import { checkTimestamp, timestampFormatProblem } from "./shared/timestamp.ts";

/**
 * Stripe: `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=<hex>…]`, each v1 an HMAC-SHA256 of
 * `${t}.${raw body}` keyed with the endpoint secret's UTF-8 bytes, `whsec_` included (it is not
 * base64-decoded). Several v1 entries appear while Stripe rolls the secret; other schemes (v0)
 * are ignored. Tolerance as in stripe-node: 300 s of age, inclusive, and the future unchecked.
 */
export type StripeConfig = { secret: string; fallbackSecret?: string | null };

const TOLERANCE_SECONDS = 300;

export const stripeVerifier: SourceVerifier<StripeConfig> = {
  type: "stripe",
  validateConfig: (config) => secretOnlyConfigProblem(config, true),

  verify(config, request) {
    const value = header(request, "stripe-signature");
    if (value === undefined) return refuse("missing Stripe-Signature header");
    const entries = value.split(",").map((entry) => {
      const eq = entry.indexOf("=");
      return eq < 0 ? ["", ""] : [entry.slice(0, eq).trim(), entry.slice(eq + 1).trim()];
    });
    const t = entries.find(([key]) => key === "t")?.[1];
    const v1 = entries.filter(([key]) => key === "v1").map(([, sig]) => sig!.toLowerCase());
    if (t === undefined) return refuse("Stripe-Signature header has no timestamp (t=…)");
    if (v1.length === 0) return refuse("Stripe-Signature header has no v1 signature");
    const rule = { headerName: "Stripe-Signature t", toleranceSeconds: TOLERANCE_SECONDS, refuseFuture: false };
    const malformed = timestampFormatProblem(t, rule);
    if (malformed !== null) return refuse(malformed);

    const secrets = secretsOf(config);
    const matches = secrets.some((secret) => {
      const expected = hmac("sha256", secret, `${t}.`, request.rawBody).toString("hex");
      return v1.some((sig) => signaturesEqual(sig, expected));
    });
    if (!matches) return refuse(mismatch("signature", secrets.length));
    // After the signature: a stale request with a genuine signature is reported as stale.
    const fresh = checkTimestamp(t, rule, request.now);
    if (!fresh.ok) return refuse(fresh.reason);

    const event = jsonObject(request.rawBody);
    return {
      ok: true,
      dedupeId: stringField(event, "id") ?? null,
      eventType: stringField(event, "type") ?? null,
    };
  },

  signatureScope: () => "delivery",
  redact: (config) => redactSecrets(config, ["secret", "fallbackSecret"]),
};
