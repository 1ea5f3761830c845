/**
 * The contract every inbound source type implements: given the raw request exactly as the
 * provider sent it, decide whether it is authentic, and name the event and its delivery id.
 * Verifiers are pure (no I/O, the clock passed in), so each is tested against requests signed by
 * the provider's own library.
 */

/** The request as received, before any parsing: signatures cover these exact bytes. */
export interface InboundRequest {
  /** Upper-case HTTP method. */
  method: string;
  /**
   * The full URL the provider called, scheme, host, path and query included (Twilio signs it).
   * Built from the source's configured public URL, or from the request's Host and protocol.
   */
  url: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  rawBody: Buffer;
  /** Receipt time, Unix milliseconds (timestamp tolerances are checked against it). */
  now: number;
  /** The client's address as resolved through trusted proxies (src/access/client-address.ts), for the log. */
  clientIp?: string | null;
}

/** An immediate answer instead of storing and forwarding (Slack's url_verification challenge). */
export interface InboundReply {
  status: number;
  contentType: string;
  body: string;
}

export type Verification =
  | {
      ok: true;
      /**
       * The provider's id for this delivery, stable across its redeliveries; null when it has none.
       * Through verifierFor() (verifier-registry.ts) it is trimmed and at most 256 characters
       * (a longer one becomes `sha256:<hex>`).
       */
      dedupeId: string | null;
      /**
       * The event's type as the provider names it (GitHub's X-GitHub-Event, Stripe's `type` …); null if
       * unknown. Through verifierFor() it is a valid Hookline event type name (`^[a-zA-Z0-9\-_.]+$`,
       * at most 256 characters; see normaliseEventType).
       */
      eventType: string | null;
      /** Set when the request must be answered directly and not forwarded. */
      reply?: InboundReply;
      /**
       * SHA-256 (hex) of what the signature covers, for a verifier whose signed content is not simply
       * the raw body (Twilio signs the URL and the sorted parameters). Read only when the scheme's
       * signatureScope is `content`; the raw body's digest is used otherwise (verifier-registry.ts).
       */
      signedContentDigest?: string;
    }
  /** `reason` is written to the source's log and explains the refusal to an operator. */
  | { ok: false; reason: string };

/**
 * What an accepted request's signature ties it to, which decides how replays are caught:
 * - `delivery`: a signed timestamp checked against a tolerance, or a signed delivery id. A captured
 *   request stops verifying once stale, and cannot be given a fresh delivery id.
 * - `content`: the content alone. The delivery id header is not signed, so a captured request could
 *   be replayed under a fresh id: such requests are also de-duplicated on a digest of the signed
 *   content (inbound/receive.ts).
 * - `none`: nothing is signed (a shared credential, or no check at all). Whoever can replay can also
 *   send anything new, and identical bodies may be distinct events, so only the delivery id counts.
 */
export type SignatureScope = "delivery" | "content" | "none";

/** One source type (`github`, `stripe`, …). `Config` is the source's `config` object as stored. */
export interface SourceVerifier<Config = Record<string, unknown>> {
  readonly type: string;
  /**
   * Checks `config` as given to the API; returns a message explaining what is wrong, or null.
   * (Called before the source is stored, so a bad config is a 422, not a refusal at ingest time.)
   */
  validateConfig(config: unknown): string | null;
  /**
   * Verifies one request. Where the scheme has secrets, `config.secret` is tried first and then
   * `config.fallbackSecret` (secret rotation: both work until the fallback is removed; `basic-auth`
   * and `api-key` name them `password`/`fallbackPassword` and `key`/`fallbackKey`). Expects a
   * config that validateConfig accepted; never throws for anything the request contains.
   */
  verify(config: Config, request: InboundRequest): Verification;
  /** What a verified signature covers with this config (see SignatureScope). */
  signatureScope(config: Config): SignatureScope;
  /** The config as shown by the API: secrets are not echoed back. */
  redact(config: Config): Record<string, unknown>;
}
