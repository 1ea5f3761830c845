import { createHmac, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

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
  if (secret.startsWith(ED25519_SECRET_PREFIX)) {
    const b64 = secret.slice(ED25519_SECRET_PREFIX.length);
    return /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && Buffer.from(b64, "base64").length === 64;
  }
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const len = Buffer.from(b64, "base64").length;
  return len >= 24 && len <= 64;
}

/**
 * Asymmetric signing (Standard Webhooks `v1a`): `whsk_` + base64(32-byte seed || 32-byte public
 * key) is the endpoint's secret; receivers verify with `whpk_` + base64(public key), so nothing
 * they hold can forge a signature.
 */
export const ED25519_SECRET_PREFIX = "whsk_";
export const ED25519_PUBLIC_PREFIX = "whpk_";
/** PKCS#8 DER framing of a raw 32-byte ed25519 seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export const isEd25519Secret = (secret: string): boolean => secret.startsWith(ED25519_SECRET_PREFIX);

export function generateEd25519Secret(): string {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return ED25519_SECRET_PREFIX + Buffer.concat([seed, raw]).toString("base64");
}

export function ed25519PublicKey(secret: string): string {
  const raw = Buffer.from(secret.slice(ED25519_SECRET_PREFIX.length), "base64");
  return ED25519_PUBLIC_PREFIX + raw.subarray(32).toString("base64");
}

export function ed25519PrivateKey(secret: string): KeyObject {
  const raw = Buffer.from(secret.slice(ED25519_SECRET_PREFIX.length), "base64");
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, raw.subarray(0, 32)]),
    format: "der",
    type: "pkcs8",
  });
}

export function signV1a(key: KeyObject, msgId: string, timestampSeconds: number, body: string | Buffer): string {
  const content = Buffer.concat([Buffer.from(`${msgId}.${timestampSeconds}.`), Buffer.from(body)]);
  return `v1a,${sign(null, content, key).toString("base64")}`;
}

/** A key a delivery is signed with: HMAC (`v1`) or ed25519 (`v1a`). */
export type SigningKey = { scheme: "v1"; key: Buffer } | { scheme: "v1a"; key: KeyObject };

export function signingKeyOf(secret: string): SigningKey {
  return isEd25519Secret(secret)
    ? { scheme: "v1a", key: ed25519PrivateKey(secret) }
    : { scheme: "v1", key: secretKey(secret) };
}

export function signV1(key: Buffer, msgId: string, timestampSeconds: number, body: string | Buffer): string {
  const mac = createHmac("sha256", key).update(`${msgId}.${timestampSeconds}.`).update(body).digest("base64");
  return `v1,${mac}`;
}

/** The `webhook-signature` value: one entry per active key, space-separated (rotation sends both). */
export function signatureHeader(
  keys: SigningKey[],
  msgId: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  return keys
    .map((k) =>
      k.scheme === "v1" ? signV1(k.key, msgId, timestampSeconds, body) : signV1a(k.key, msgId, timestampSeconds, body),
    )
    .join(" ");
}
