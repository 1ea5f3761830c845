import type { SourceVerifier } from "../verifier.ts";
import { jsonObject, stringField } from "./shared/body.ts";
import { configObject, firstProblem, secretPairProblem } from "./shared/config-checks.ts";
import { header } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { mismatch, refuse, secretsOf } from "./shared/secrets.ts";
import { checkTimestamp, timestampFormatProblem } from "./shared/timestamp.ts";
import { entryMatches, standardWebhooksKey, standardWebhooksKeyProblem } from "./standard-webhooks-keys.ts";

/**
 * Svix and every Standard Webhooks sender (spec 1.0.0): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` (or the same three as `svix-*`); the signature header is a space-separated
 * list of `v1,<base64>` entries (several during a key rotation) over `${id}.${timestamp}.${body}`.
 * Tolerance as in every official library: 300 s both ways, inclusive.
 */
export type SvixConfig = { secret: string; fallbackSecret?: string | null };

const TOLERANCE_SECONDS = 300;

export const svixVerifier: SourceVerifier<SvixConfig> = {
  type: "svix",
  validateConfig(config) {
    const object = configObject(config, ["secret", "fallbackSecret"]);
    if (typeof object === "string") return object;
    return firstProblem(
      secretPairProblem(object, "secret", true),
      ...(["secret", "fallbackSecret"] as const).map((field) =>
        typeof object[field] === "string" ? standardWebhooksKeyProblem(field, object[field] as string) : null,
      ),
    );
  },

  verify(config, request) {
    const id = header(request, "webhook-id", "svix-id");
    const timestamp = header(request, "webhook-timestamp", "svix-timestamp");
    const signatures = header(request, "webhook-signature", "svix-signature");
    if (id === undefined) return refuse("missing webhook-id header (or svix-id)");
    if (timestamp === undefined) return refuse("missing webhook-timestamp header (or svix-timestamp)");
    if (signatures === undefined) return refuse("missing webhook-signature header (or svix-signature)");
    const rule = { headerName: "webhook-timestamp", toleranceSeconds: TOLERANCE_SECONDS, refuseFuture: true };
    const malformed = timestampFormatProblem(timestamp, rule);
    if (malformed !== null) return refuse(malformed);

    // `v1,<sig>`: the version is case-sensitive and nothing may follow the comma but the signature.
    const entries = signatures
      .split(" ")
      .filter((entry) => entry !== "")
      .map((entry) => {
        const comma = entry.indexOf(",");
        return comma < 0 ? ["", ""] : [entry.slice(0, comma), entry.slice(comma + 1)];
      }) as [string, string][];
    if (!entries.some(([version]) => version === "v1" || version === "v1a")) {
      return refuse('webhook-signature has no "v1," entry');
    }

    const secrets = secretsOf(config);
    const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), request.rawBody]);
    const matches = secrets.some((secret) => {
      const key = standardWebhooksKey(secret);
      return entries.some(([version, value]) => entryMatches(key, version, value, signed));
    });
    if (!matches) return refuse(mismatch("signature", secrets.length));
    const fresh = checkTimestamp(timestamp, rule, request.now);
    if (!fresh.ok) return refuse(fresh.reason);

    return { ok: true, dedupeId: id, eventType: stringField(jsonObject(request.rawBody), "type") ?? null };
  },

  signatureScope: () => "delivery",
  redact: (config) => redactSecrets(config, ["secret", "fallbackSecret"]),
};
