import { createHash } from "node:crypto";
import type { InboundRequest, SourceVerifier, Verification } from "./verifier.ts";
import { apiKeyVerifier } from "./verifiers/api-key.ts";
import { basicAuthVerifier } from "./verifiers/basic-auth.ts";
import { cronVerifier } from "./verifiers/cron.ts";
import { genericWebhookVerifier } from "./verifiers/generic-webhook.ts";
import { githubVerifier } from "./verifiers/github.ts";
import { hmacVerifier } from "./verifiers/hmac.ts";
import { shopifyVerifier } from "./verifiers/shopify.ts";
import { slackVerifier } from "./verifiers/slack.ts";
import { stripeVerifier } from "./verifiers/stripe.ts";
import { svixVerifier } from "./verifiers/svix.ts";
import { twilioVerifier } from "./verifiers/twilio.ts";

/**
 * The one table of inbound source types. Callers go through verifierFor(), which returns each
 * verifier wrapped so that every accepted request's names obey the rules below, whichever
 * provider sent them.
 */
const VERIFIERS = [
  githubVerifier,
  stripeVerifier,
  shopifyVerifier,
  slackVerifier,
  twilioVerifier,
  svixVerifier,
  genericWebhookVerifier,
  hmacVerifier,
  basicAuthVerifier,
  apiKeyVerifier,
  cronVerifier,
] as SourceVerifier[];

export const SOURCE_TYPES: readonly string[] = VERIFIERS.map((v) => v.type);

const BY_TYPE = new Map(VERIFIERS.map((v) => [v.type, normalising(v)]));

export function isSourceType(type: string): boolean {
  return BY_TYPE.has(type);
}

/** The verifier for a source type, or undefined for a type Hookline does not know. */
export function verifierFor(type: string): SourceVerifier | undefined {
  return BY_TYPE.get(type);
}

/** Hookline's event type names: `^[a-zA-Z0-9\-_.]+$`, at most 256 characters. */
export const MAX_EVENT_TYPE_LENGTH = 256;

/**
 * A provider's event name as a Hookline event type:
 * - `/` becomes `.` (Shopify's `orders/create` → `orders.create`: both separate levels);
 * - every other run of characters outside `[a-zA-Z0-9-_.]` becomes one `_` (`a b` → `a_b`);
 * - cut to 256 characters; nothing left → null.
 */
export function normaliseEventType(raw: string | null): string | null {
  if (raw === null) return null;
  const name = raw
    .trim()
    .replaceAll("/", ".")
    .replace(/[^a-zA-Z0-9\-_.]+/g, "_")
    .slice(0, MAX_EVENT_TYPE_LENGTH);
  return name === "" ? null : name;
}

/** Dedupe ids are stored and indexed; a longer one is kept as its SHA-256 so it stays unique. */
export const MAX_DEDUPE_ID_LENGTH = 256;

/** The prefix of content de-duplication keys; no delivery id is stored with it (see normaliseDedupeId). */
const CONTENT_KEY_PREFIX = "content:";

/**
 * A provider's delivery id as stored: trimmed, empty → null, and over 256 characters replaced by
 * `sha256:<hex>` (a sender-controlled header such as Idempotency-Key can be up to the header limit).
 * An id that starts like a content key is stored as its digest too, so a sender cannot claim a
 * content key in advance through the delivery id header.
 */
export function normaliseDedupeId(raw: string | null): string | null {
  const id = raw?.trim() ?? "";
  if (id === "") return null;
  return id.length <= MAX_DEDUPE_ID_LENGTH && !id.startsWith(CONTENT_KEY_PREFIX)
    ? id
    : `sha256:${createHash("sha256").update(id, "utf8").digest("hex")}`;
}

/**
 * The second de-duplication key of a request whose signature covers only its content (signature
 * scope `content`: GitHub, Shopify, Twilio, an `hmac` source without a signed timestamp or id):
 * `content:<SHA-256 of the signed content>`. Its delivery id header is not signed, so a captured
 * request replayed under a fresh id still meets this key within the de-duplication window. Null
 * for every other request: there a signed timestamp or id already stops replays, or nothing is
 * signed and identical bodies may be distinct events.
 */
export function contentDedupeKey(
  verifier: SourceVerifier,
  config: Record<string, unknown>,
  request: InboundRequest,
  verification: Verification,
): string | null {
  if (!verification.ok || verifier.signatureScope(config) !== "content") return null;
  const digest = verification.signedContentDigest ?? createHash("sha256").update(request.rawBody).digest("hex");
  return `${CONTENT_KEY_PREFIX}${digest}`;
}

function normalising(verifier: SourceVerifier): SourceVerifier {
  return {
    type: verifier.type,
    validateConfig: (config) => verifier.validateConfig(config),
    redact: (config) => verifier.redact(config),
    signatureScope: (config) => verifier.signatureScope(config),
    verify(config, request: InboundRequest): Verification {
      let result: Verification;
      try {
        result = verifier.verify(config, request);
      } catch (error) {
        // A verifier bug must not turn into a 5xx or, worse, an accepted request. The error's
        // message is left out of the reason: it could quote the config.
        return { ok: false, reason: `internal verifier error (${(error as Error)?.name ?? "unknown"})` };
      }
      if (!result.ok) return result;
      return {
        ...result,
        dedupeId: normaliseDedupeId(result.dedupeId),
        eventType: normaliseEventType(result.eventType),
      };
    },
  };
}
