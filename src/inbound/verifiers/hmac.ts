import { createHash } from "node:crypto";
import type { SourceVerifier } from "../verifier.ts";
import {
  configObject,
  firstProblem,
  headerNameProblem,
  secretPairProblem,
  stringProblem,
  type ConfigObject,
} from "./shared/config-checks.ts";
import { signaturesEqual } from "./shared/constant-time.ts";
import { header } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { hmac, mismatch, refuse, secretsOf, type HmacAlgorithm } from "./shared/secrets.ts";
import { checkTimestamp, timestampFormatProblem, type TimestampRule } from "./shared/timestamp.ts";
import { parseTemplate, signedContent, usesPlaceholder, type TemplatePart } from "./hmac-template.ts";

/**
 * A configurable HMAC scheme for senders with no type of their own:
 * `<header>: <prefix><encoding(HMAC-<algorithm>(secret, signedContent))>`.
 */
export type HmacConfig = {
  /** The signature header, e.g. `X-Signature`. */
  header: string;
  secret: string;
  fallbackSecret?: string | null;
  /** Default sha256. */
  algorithm?: HmacAlgorithm;
  /** Of the signature; default hex (compared case-insensitively). */
  encoding?: "hex" | "base64";
  /** How the secret string becomes the key; default utf8 (its bytes as typed). */
  secretEncoding?: "utf8" | "base64" | "hex";
  /** Text before the signature in the header, e.g. `sha256=`. */
  prefix?: string | null;
  /** A header carrying the signed timestamp; enables the replay check. */
  timestampHeader?: string | null;
  /** Default s. */
  timestampUnit?: "s" | "ms";
  /** Default 300 when timestampHeader is set; checked both ways. */
  toleranceSeconds?: number;
  /** Default `{body}`, or `{timestamp}.{body}` with a timestampHeader. */
  signedContent?: string | null;
  /** The sender's delivery id header: the dedupe id, and `{id}` in signedContent. */
  idHeader?: string | null;
  eventTypeHeader?: string | null;
};

const FIELDS = [
  "header",
  "secret",
  "fallbackSecret",
  "algorithm",
  "encoding",
  "secretEncoding",
  "prefix",
  "timestampHeader",
  "timestampUnit",
  "toleranceSeconds",
  "signedContent",
  "idHeader",
  "eventTypeHeader",
];
const DEFAULT_TOLERANCE_SECONDS = 300;
/** A week: longer is no replay protection worth the name. */
const MAX_TOLERANCE_SECONDS = 7 * 24 * 3600;

export const hmacVerifier: SourceVerifier<HmacConfig> = {
  type: "hmac",
  validateConfig(config) {
    const object = configObject(config, FIELDS);
    return typeof object === "string" ? object : configProblem(object);
  },

  verify(config, request) {
    const template = templateOf(config);
    const received = header(request, config.header);
    if (received === undefined) return refuse(`missing ${config.header} header`);
    const prefix = config.prefix ?? "";
    if (!received.startsWith(prefix)) return refuse(`${config.header} does not start with ${JSON.stringify(prefix)}`);
    const encoding = config.encoding ?? "hex";
    const signature = encoding === "hex" ? received.slice(prefix.length).toLowerCase() : received.slice(prefix.length);

    let timestamp = "";
    let rule: TimestampRule | undefined;
    if (config.timestampHeader) {
      rule = {
        headerName: config.timestampHeader,
        toleranceSeconds: config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
        refuseFuture: true,
        unit: config.timestampUnit ?? "s",
      };
      const value = header(request, config.timestampHeader);
      if (value === undefined) return refuse(`missing ${config.timestampHeader} header`);
      const malformed = timestampFormatProblem(value, rule);
      if (malformed !== null) return refuse(malformed);
      timestamp = value;
    }
    const id = config.idHeader ? header(request, config.idHeader) : undefined;
    if (usesPlaceholder(template, "id") && id === undefined) {
      return refuse(`missing ${config.idHeader} header (its value is signed as {id})`);
    }

    const signed = signedContent(template, { body: request.rawBody, timestamp, id: id ?? "", url: request.url });
    const algorithm = config.algorithm ?? "sha256";
    const secrets = secretsOf(config);
    const matches = secrets.some((secret) =>
      signaturesEqual(signature, hmac(algorithm, keyOf(config, secret), signed).toString(encoding)),
    );
    if (!matches) return refuse(mismatch("signature", secrets.length));
    if (rule !== undefined) {
      const fresh = checkTimestamp(timestamp, rule, request.now);
      if (!fresh.ok) return refuse(fresh.reason);
    }
    return {
      ok: true,
      dedupeId: id ?? null,
      eventType: config.eventTypeHeader ? (header(request, config.eventTypeHeader) ?? null) : null,
      signedContentDigest: createHash("sha256").update(signed).digest("hex"),
    };
  },

  // Without a signed timestamp or {id}, the signature covers the content (and maybe the URL) only.
  signatureScope: (config) =>
    config.timestampHeader || usesPlaceholder(templateOf(config), "id") ? "delivery" : "content",

  redact: (config) => redactSecrets(config, ["secret", "fallbackSecret"]),
};

function keyOf(config: HmacConfig, secret: string): Buffer {
  return Buffer.from(secret, config.secretEncoding ?? "utf8");
}

function templateOf(config: HmacConfig): TemplatePart[] {
  const text = config.signedContent ?? (config.timestampHeader ? "{timestamp}.{body}" : "{body}");
  const parts = parseTemplate(text);
  // validateConfig refused unparsable templates before the source was stored.
  if (typeof parts === "string") throw new Error(`hmac source config: signedContent: ${parts}`);
  return parts;
}

function configProblem(config: ConfigObject): string | null {
  const basic = firstProblem(
    headerNameProblem(config, "header", true),
    secretPairProblem(config, "secret", true),
    stringProblem(config, "algorithm", { oneOf: ["sha1", "sha256", "sha512"] }),
    stringProblem(config, "encoding", { oneOf: ["hex", "base64"] }),
    stringProblem(config, "secretEncoding", { oneOf: ["utf8", "base64", "hex"] }),
    stringProblem(config, "prefix"),
    headerNameProblem(config, "timestampHeader", false),
    stringProblem(config, "timestampUnit", { oneOf: ["s", "ms"] }),
    stringProblem(config, "signedContent"),
    headerNameProblem(config, "idHeader", false),
    headerNameProblem(config, "eventTypeHeader", false),
  );
  if (basic !== null) return basic;

  const tolerance = config.toleranceSeconds;
  if (tolerance !== undefined && tolerance !== null) {
    if (!Number.isInteger(tolerance) || (tolerance as number) < 1 || (tolerance as number) > MAX_TOLERANCE_SECONDS) {
      return `config.toleranceSeconds must be an integer from 1 to ${MAX_TOLERANCE_SECONDS}`;
    }
    if (!config.timestampHeader) return "config.toleranceSeconds needs config.timestampHeader";
  }
  if (config.timestampUnit && !config.timestampHeader) return "config.timestampUnit needs config.timestampHeader";
  // Buffer.from skips what it cannot decode, which would silently give a different key.
  const encoded = { base64: /^[A-Za-z0-9+/]+={0,2}$/, hex: /^(?:[0-9a-fA-F]{2})+$/ };
  for (const field of ["secret", "fallbackSecret"] as const) {
    const secret = config[field];
    const encoding = config.secretEncoding;
    if (
      typeof secret === "string" &&
      (encoding === "base64" || encoding === "hex") &&
      !encoded[encoding].test(secret)
    ) {
      return `config.${field} is not valid ${encoding} (config.secretEncoding)`;
    }
  }

  const text = (config.signedContent as string | undefined) ?? "{body}";
  const parts = parseTemplate(text);
  if (typeof parts === "string") return `config.signedContent: ${parts}`;
  // Without the body in it, a signature would authenticate the headers and not the event.
  if (!usesPlaceholder(parts, "body")) return "config.signedContent must include {body}";
  if (usesPlaceholder(parts, "timestamp") && !config.timestampHeader) {
    return "config.signedContent uses {timestamp} but config.timestampHeader is not set";
  }
  if (config.timestampHeader && config.signedContent && !usesPlaceholder(parts, "timestamp")) {
    // A timestamp that is not signed can be changed freely, so checking its age would protect nothing.
    return "config.signedContent must include {timestamp} when config.timestampHeader is set";
  }
  if (usesPlaceholder(parts, "id") && !config.idHeader) {
    return "config.signedContent uses {id} but config.idHeader is not set";
  }
  return null;
}
