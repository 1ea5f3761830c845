import assert from "node:assert/strict";
import type { InboundRequest, Verification } from "../../src/inbound/verifier.ts";
import { verifierFor } from "../../src/inbound/verifier-registry.ts";

/**
 * Helpers for the inbound verifier tests: build a request as the gateway would hand it over, and
 * verify it through the registry (the same path the gateway takes, event type normalisation
 * included).
 */

export interface RequestParts {
  headers?: Record<string, string>;
  body?: string | Buffer;
  url?: string;
  method?: string;
  /** Receipt time in Unix seconds (the verifiers take milliseconds). */
  nowSeconds?: number;
}

export function inbound(parts: RequestParts): InboundRequest {
  return {
    method: parts.method ?? "POST",
    url: parts.url ?? "https://hooks.example.com/in/src_test",
    headers: Object.fromEntries(Object.entries(parts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    rawBody: Buffer.isBuffer(parts.body) ? parts.body : Buffer.from(parts.body ?? "", "utf8"),
    now: (parts.nowSeconds ?? Math.floor(Date.now() / 1000)) * 1000,
  };
}

export function verify(type: string, config: unknown, parts: RequestParts): Verification {
  const verifier = verifierFor(type);
  assert.ok(verifier, `no verifier for ${type}`);
  assert.equal(verifier.validateConfig(config), null, "the test's config must be valid");
  return verifier.verify(config as Record<string, unknown>, inbound(parts));
}

/** Asserts acceptance and returns the names found. */
export function assertAccepted(result: Verification): Extract<Verification, { ok: true }> {
  assert.ok(result.ok, `expected acceptance, got refusal: ${result.ok ? "" : result.reason}`);
  return result;
}

/**
 * Asserts a refusal whose reason matches, and that no secret appears in it (nor in any
 * 8-character piece of one, so a partly echoed secret is caught too).
 */
export function assertRefused(result: Verification, reason: RegExp | string, secrets: string[] = []): string {
  assert.ok(!result.ok, "expected a refusal, but the request was accepted");
  if (typeof reason === "string") assert.equal(result.reason, reason);
  else assert.match(result.reason, reason);
  assertNoSecret(result.reason, secrets);
  return result.reason;
}

export function assertNoSecret(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    for (let i = 0; i + 8 <= secret.length; i++) {
      const piece = secret.slice(i, i + 8);
      assert.ok(!text.includes(piece), `${JSON.stringify(text)} contains part of a secret`);
    }
    if (secret.length < 8) assert.ok(!text.includes(secret), `${JSON.stringify(text)} contains a secret`);
  }
}
