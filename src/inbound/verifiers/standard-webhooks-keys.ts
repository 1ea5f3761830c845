import { createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import { signaturesEqual } from "./shared/constant-time.ts";
import { hmac } from "./shared/secrets.ts";

/**
 * The two kinds of Standard Webhooks verification key a source may hold:
 * `whsec_<base64>` (symmetric; signature entries `v1,<base64 HMAC-SHA256>`) and `whpk_<base64>`
 * (an ed25519 public key; entries `v1a,<base64 signature>`). The `whsec_` prefix and base64
 * padding are optional, as the spec allows.
 */
export type StandardWebhooksKey = { scheme: "v1"; key: Buffer } | { scheme: "v1a"; key: KeyObject };

const PUBLIC_PREFIX = "whpk_";
const SECRET_PREFIX = "whsec_";
/** SPKI DER framing of a raw 32-byte ed25519 public key (RFC 8410). */
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
/** Standard alphabet only: base64url decodes silently to a different key, which would never verify. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Why the secret cannot be a key, or null. */
export function standardWebhooksKeyProblem(field: string, secret: string): string | null {
  if (secret.startsWith(PUBLIC_PREFIX)) {
    const b64 = secret.slice(PUBLIC_PREFIX.length);
    return BASE64.test(b64) && Buffer.from(b64, "base64").length === 32
      ? null
      : `config.${field} is not a whpk_ ed25519 public key (whpk_ + base64 of 32 bytes)`;
  }
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(b64)) return `config.${field} is not whsec_ + standard base64 (A–Z, a–z, 0–9, +, /)`;
  const bytes = Buffer.from(b64, "base64").length;
  // The spec's range for symmetric secrets.
  if (bytes < 24 || bytes > 64) return `config.${field} decodes to ${bytes} bytes; Standard Webhooks secrets are 24–64`;
  return null;
}

export function standardWebhooksKey(secret: string): StandardWebhooksKey {
  if (secret.startsWith(PUBLIC_PREFIX)) {
    const raw = Buffer.from(secret.slice(PUBLIC_PREFIX.length), "base64");
    return {
      scheme: "v1a",
      key: createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" }),
    };
  }
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return { scheme: "v1", key: Buffer.from(b64, "base64") };
}

/** Whether one signature entry (`version`, base64 value) was made with this key over `signed`. */
export function entryMatches(key: StandardWebhooksKey, version: string, value: string, signed: Buffer): boolean {
  if (version !== key.scheme) return false;
  if (key.scheme === "v1") return signaturesEqual(value, hmac("sha256", key.key, signed).toString("base64"));
  const signature = Buffer.from(value, "base64");
  // ed25519 signatures are 64 bytes; anything else cannot verify (and would make verify throw).
  return signature.length === 64 && verifySignature(null, signed, key.key, signature);
}
