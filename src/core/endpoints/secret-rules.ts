import type { Endpoint, PreviousSecret } from "../entities.ts";
import { FieldError } from "../errors.ts";
import { ed25519PublicKey, generateEd25519Secret, generateSecret, isEd25519Secret, isValidSecret } from "../signing.ts";

export type SigningScheme = "hmac-sha256" | "ed25519";

/** Svix's default grace period for the old secret after a rotation: 24 hours. */
export const DEFAULT_GRACE_SECONDS = 86_400;

/** A secret as given (`whsec_…`, bare base64, or an ed25519 `whsk_…` key), in its stored form; null if none was given. */
export function checkSecret(secret: string | null | undefined, field: string): string | null {
  if (secret === null || secret === undefined) return null;
  if (!isValidSecret(secret))
    throw new FieldError(
      [field],
      "must be whsec_ followed by 24 to 64 bytes in standard base64, or an ed25519 whsk_ key (64 bytes)",
      "secret",
    );
  return secret.startsWith("whsec_") || isEd25519Secret(secret) ? secret : `whsec_${secret}`;
}

/** Hookline's `signingScheme` picks the kind of a generated secret: HMAC-SHA256 (`v1`) or ed25519 (`v1a`). */
export const newSecret = (scheme: SigningScheme | undefined) =>
  scheme === "ed25519" ? generateEd25519Secret() : generateSecret();

/** What a receiver verifies with: an ed25519 endpoint's public key (its private key never leaves Hookline), else the secret. */
export const verificationKey = (secret: string): string =>
  isEd25519Secret(secret) ? ed25519PublicKey(secret) : secret;

/**
 * The secrets still honoured after a rotation at `now`: those whose grace has not run out, plus the
 * outgoing one for `graceSeconds` (default 24 hours, none when 0). During the grace period
 * deliveries carry a signature with each key, so receivers still configured with the old secret
 * keep verifying until they switch.
 */
export function secretsAfterRotation(
  endpoint: Pick<Endpoint, "secret" | "previousSecrets">,
  now: number,
  graceSeconds: number | null | undefined,
): PreviousSecret[] {
  const grace = (graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  return [
    ...endpoint.previousSecrets.filter((p) => p.expiresAt > now),
    ...(grace > 0 ? [{ key: endpoint.secret, expiresAt: now + grace }] : []),
  ];
}
