import { createHmac } from "node:crypto";

/** The secrets a request may be signed with: the current one, then the one being rotated out. */
export function secretsOf(
  config: Record<string, unknown>,
  field = "secret",
  fallbackField = `fallback${field[0]!.toUpperCase()}${field.slice(1)}`,
): string[] {
  return [config[field], config[fallbackField]].filter((s): s is string => typeof s === "string" && s !== "");
}

/** The refusal when no secret matched; it counts secrets and never shows one. */
export function mismatch(what: string, tried: number, noun = "secret"): string {
  return `${what} does not match (tried ${tried} ${noun}${tried === 1 ? "" : "s"})`;
}

export type HmacAlgorithm = "sha1" | "sha256" | "sha512";

/** HMAC of the parts concatenated; a string key is used as its UTF-8 bytes. */
export function hmac(algorithm: HmacAlgorithm, key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

export const refuse = (reason: string) => ({ ok: false as const, reason });
