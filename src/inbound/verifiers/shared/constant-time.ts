import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Comparisons of a received value with an expected one that take the same time wherever they
 * differ, so a caller cannot find a valid signature byte by byte by timing the refusals.
 */

/**
 * For signatures: their length is public (it follows from the algorithm), so a length mismatch is
 * refused at once and only equal-length buffers reach timingSafeEqual (which throws otherwise).
 */
export function signaturesEqual(received: string | Buffer, expected: string | Buffer): boolean {
  const a = typeof received === "string" ? Buffer.from(received, "utf8") : received;
  const b = typeof expected === "string" ? Buffer.from(expected, "utf8") : expected;
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * For passwords and API keys, whose length is part of the secret: both sides are hashed to 32
 * bytes first, so neither the comparison's time nor an early length check reveals the length.
 */
export function credentialsEqual(received: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(received), digest(expected));
}
