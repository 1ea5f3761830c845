import type { InboundRequest, SourceVerifier, Verification } from "../verifier.ts";
import { formFields, jsonObject, stringField } from "./shared/body.ts";
import { secretOnlyConfigProblem } from "./shared/config-checks.ts";
import { signaturesEqual } from "./shared/constant-time.ts";
import { header, mediaType } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { hmac, mismatch, refuse, secretsOf } from "./shared/secrets.ts";
import { checkTimestamp, timestampFormatProblem } from "./shared/timestamp.ts";

/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + ts + ":" + raw body)>`
 * with `X-Slack-Request-Timestamp: ts`. The same scheme covers the Events API (JSON) and slash
 * commands and interactivity (form-encoded), since it signs the raw bytes. Tolerance as in Bolt:
 * more than 300 s old is refused, the future is not checked.
 */
export type SlackConfig = { secret: string; fallbackSecret?: string | null };

const TOLERANCE_SECONDS = 300;
const SIGNATURE = /^v0=[0-9a-fA-F]{64}$/;

export const slackVerifier: SourceVerifier<SlackConfig> = {
  type: "slack",
  validateConfig: (config) => secretOnlyConfigProblem(config, true),

  verify(config, request) {
    const signature = header(request, "x-slack-signature");
    const timestamp = header(request, "x-slack-request-timestamp");
    if (signature === undefined) return refuse("missing X-Slack-Signature header");
    if (timestamp === undefined) return refuse("missing X-Slack-Request-Timestamp header");
    if (!SIGNATURE.test(signature)) return refuse('X-Slack-Signature is not "v0=" followed by 64 hex digits');
    const rule = { headerName: "X-Slack-Request-Timestamp", toleranceSeconds: TOLERANCE_SECONDS, refuseFuture: false };
    const malformed = timestampFormatProblem(timestamp, rule);
    if (malformed !== null) return refuse(malformed);

    const received = signature.slice("v0=".length).toLowerCase();
    const secrets = secretsOf(config);
    const matches = secrets.some((secret) =>
      signaturesEqual(received, hmac("sha256", secret, `v0:${timestamp}:`, request.rawBody).toString("hex")),
    );
    if (!matches) return refuse(mismatch("signature", secrets.length));
    const fresh = checkTimestamp(timestamp, rule, request.now);
    if (!fresh.ok) return refuse(fresh.reason);
    return describe(request);
  },

  signatureScope: () => "delivery",
  redact: (config) => redactSecrets(config, ["secret", "fallbackSecret"]),
};

/** Names a verified request and answers Slack's url_verification challenge. */
function describe(request: InboundRequest): Verification {
  if (mediaType(request) === "application/x-www-form-urlencoded") {
    const fields = formFields(request.rawBody);
    // Interactivity posts one `payload` field holding JSON (`block_actions`, `view_submission` …).
    const payload = fields.get("payload")?.[0];
    if (payload !== undefined) {
      return { ok: true, dedupeId: null, eventType: stringField(jsonObject(Buffer.from(payload)), "type") ?? null };
    }
    return { ok: true, dedupeId: null, eventType: fields.has("command") ? "slash_command" : null };
  }

  const body = jsonObject(request.rawBody);
  const type = stringField(body, "type");
  if (type === "url_verification") {
    // Slack accepts the challenge echoed as plain text; it is sent only once the signature held,
    // so nobody can use Hookline to confirm a URL for an app that is not theirs.
    const challenge = stringField(body, "challenge") ?? "";
    return {
      ok: true,
      dedupeId: null,
      eventType: "url_verification",
      reply: { status: 200, contentType: "text/plain; charset=utf-8", body: challenge },
    };
  }
  if (type === "event_callback") {
    const event = body?.event;
    const inner =
      typeof event === "object" && event !== null ? stringField(event as Record<string, unknown>, "type") : undefined;
    // event_id stays the same when Slack retries (X-Slack-Retry-Num), so it is the dedupe key.
    return { ok: true, dedupeId: stringField(body, "event_id") ?? null, eventType: inner ?? "event_callback" };
  }
  return { ok: true, dedupeId: null, eventType: type ?? null };
}
