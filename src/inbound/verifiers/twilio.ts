import { createHash } from "node:crypto";
import type { InboundRequest, SourceVerifier } from "../verifier.ts";
import { formFields, jsonObject, stringField } from "./shared/body.ts";
import { secretOnlyConfigProblem } from "./shared/config-checks.ts";
import { signaturesEqual } from "./shared/constant-time.ts";
import { header, mediaType } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { hmac, mismatch, refuse, secretsOf } from "./shared/secrets.ts";
import { twilioUrlSpellings } from "./twilio-url-spellings.ts";

/**
 * Twilio: `X-Twilio-Signature: base64(HMAC-SHA1(auth token, url + Σ key + value))`, the POST
 * parameters sorted by key (JS code-unit order), a repeated key's values de-duplicated and sorted.
 * A JSON body is not in the parameters: Twilio puts `bodySHA256=<hex sha256(body)>` in the URL,
 * signs the URL alone, and the body is checked against that hash. No timestamp is signed, nor the
 * idempotency token, so replays are also de-duplicated on the signature itself: a keyed digest of
 * the URL and parameters, which a replay must carry unchanged whichever URL spelling it uses.
 * `config.secret` is the account's Auth Token.
 */
export type TwilioConfig = { secret: string; fallbackSecret?: string | null };

/** 20 bytes of SHA-1 in standard padded base64. */
const SIGNATURE = /^[A-Za-z0-9+/]{27}=$/;

export const twilioVerifier: SourceVerifier<TwilioConfig> = {
  type: "twilio",
  validateConfig: (config) => secretOnlyConfigProblem(config, true),

  verify(config, request) {
    const signature = header(request, "x-twilio-signature");
    if (signature === undefined) return refuse("missing X-Twilio-Signature header");
    if (!SIGNATURE.test(signature)) return refuse("X-Twilio-Signature is not a base64 HMAC-SHA1 (28 characters)");

    const bodyHash = bodySha256Of(request.url);
    let params = new Map<string, string[]>();
    if (bodyHash === undefined && request.rawBody.length > 0) {
      // Without bodySHA256 only form parameters are signed; any other body would go unchecked.
      if (mediaType(request) !== "application/x-www-form-urlencoded") {
        return refuse("body is not form-encoded and the URL has no bodySHA256 parameter, so no signature covers it");
      }
      params = formFields(request.rawBody);
    }

    const secrets = secretsOf(config);
    const urls = twilioUrlSpellings(request.url);
    const matches = secrets.some((secret) =>
      urls.some((url) => signaturesEqual(signature, signatureOf(secret, url, params))),
    );
    if (!matches)
      return refuse(
        `${mismatch("signature", secrets.length)} for the URL ${urls.length === 1 ? "as received" : `in ${urls.length} spellings`}`,
      );
    if (bodyHash !== undefined) {
      const actual = createHash("sha256").update(request.rawBody).digest("hex");
      if (!signaturesEqual(bodyHash.toLowerCase(), actual))
        return refuse("body does not match the bodySHA256 in the URL");
    }
    return {
      ok: true,
      // Twilio sends the same token on each retry of one webhook.
      dedupeId: header(request, "i-twilio-idempotency-token") ?? null,
      eventType: eventTypeOf(request, params, bodyHash !== undefined),
      signedContentDigest: createHash("sha256").update(`twilio-signature:${signature}`).digest("hex"),
    };
  },

  signatureScope: () => "content",
  redact: (config) => redactSecrets(config, ["secret", "fallbackSecret"]),
};

function signatureOf(authToken: string, url: string, params: Map<string, string[]>): string {
  let data = url;
  for (const key of [...params.keys()].sort()) {
    for (const value of [...new Set(params.get(key))].sort()) data += key + value;
  }
  return hmac("sha1", authToken, Buffer.from(data, "utf8")).toString("base64");
}

function bodySha256Of(url: string): string | undefined {
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1).split("#")[0]).get("bodySHA256") ?? undefined;
}

/**
 * Twilio webhooks carry no event type, so one is derived from what the parameters say:
 * `message.<MessageStatus or SmsStatus>` (`message.delivered`, `message.received`),
 * `call.<CallStatus>` (`call.ringing`, `call.completed`), a JSON body's `type`, and otherwise
 * `twilio.webhook`.
 */
function eventTypeOf(request: InboundRequest, params: Map<string, string[]>, json: boolean): string {
  if (json) return stringField(jsonObject(request.rawBody), "type") ?? "twilio.webhook";
  const first = (key: string) => params.get(key)?.[0] || undefined;
  const message = first("MessageStatus") ?? first("SmsStatus");
  if (message !== undefined) return `message.${message}`;
  const call = first("CallStatus");
  if (call !== undefined) return `call.${call}`;
  return "twilio.webhook";
}
