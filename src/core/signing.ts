import { createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signatures (spec 1.0.0): `v1,` + base64(HMAC-SHA256(key, `${id}.${ts}.${body}`)),
 * where key is the base64-decoded part of a `whsec_` secret.
 */
export const SECRET_PREFIX = "whsec_";
/** 24 bytes is the spec's minimum; 32 gives the full strength of HMAC-SHA256's key. */
const SECRET_BYTES = 32;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");
}

/** Secrets are accepted with or without the `whsec_` prefix and padding, as the spec allows. */
export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(b64, "base64");
}

export function isValidSecret(secret: string): boolean {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const len = Buffer.from(b64, "base64").length;
  return len >= 24 && len <= 64;
}

export function signV1(key: Buffer, msgId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", key).update(`${msgId}.${timestampSeconds}.`).update(body).digest("base64");
  return `v1,${mac}`;
}

/** The `webhook-signature` value: one entry per active key, space-separated (rotation sends both). */
export function signatureHeader(keys: Buffer[], msgId: string, timestampSeconds: number, body: string): string {
  return keys.map((k) => signV1(k, msgId, timestampSeconds, body)).join(" ");
}
