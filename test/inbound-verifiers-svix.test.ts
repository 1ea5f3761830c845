import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it, type TestContext } from "node:test";
import { Webhook } from "standardwebhooks";
import { verifierFor } from "../src/inbound/verifier-registry.ts";
import { assertAccepted, assertRefused, verify } from "./support/inbound-verification.ts";

/**
 * The svix (Standard Webhooks) verifier against the spec's vectors (webhook-standards.md §1.5,
 * §1.6, §3.6) and requests signed by the `standardwebhooks` reference library.
 */

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const ts = 1614265330;
const vectorBody = '{"test": 2432232314}';
const vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const headersOf = (signature: string, prefix = "webhook", timestamp = ts, msgId = id) => ({
  [`${prefix}-id`]: msgId,
  [`${prefix}-timestamp`]: String(timestamp),
  [`${prefix}-signature`]: signature,
});

describe("svix verifier", () => {
  it("accepts the v1 vector under webhook-* and svix-* header names", () => {
    for (const prefix of ["webhook", "svix"]) {
      const result = assertAccepted(
        verify("svix", { secret }, { body: vectorBody, headers: headersOf(vectorSignature, prefix), nowSeconds: ts }),
      );
      assert.equal(result.dedupeId, id);
      assert.equal(result.eventType, null, "the vector's payload has no type");
    }
  });

  it("accepts the v1a (ed25519) vector with the whpk_ public key", () => {
    const publicKey = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";
    const v1a = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";
    assertAccepted(
      verify("svix", { secret: publicKey }, { body: vectorBody, headers: headersOf(v1a), nowSeconds: ts }),
    );
    assertRefused(
      verify("svix", { secret: publicKey }, { body: vectorBody + " ", headers: headersOf(v1a), nowSeconds: ts }),
      /does not match/,
    );
  });

  it("accepts what the standardwebhooks library signs and names it from the body's type", () => {
    const body = JSON.stringify({ type: "invoice.paid", timestamp: "2021-02-25T15:02:10Z", data: { id: "in_1" } });
    const signature = new Webhook(secret).sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", new Date(ts * 1000), body);
    const headers = headersOf(signature, "webhook", ts, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
    const result = assertAccepted(verify("svix", { secret }, { body, headers, nowSeconds: ts }));
    assert.equal(result.eventType, "invoice.paid");
    assert.equal(result.dedupeId, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
  });

  it("allows 300 s either way and refuses 301 s, as the standardwebhooks library does", (t: TestContext) => {
    const headers = headersOf(vectorSignature);
    const libraryAccepts = (nowSeconds: number) => {
      t.mock.timers.enable({ apis: ["Date"], now: nowSeconds * 1000 });
      try {
        new Webhook(secret).verify(vectorBody, headers);
        return true;
      } catch {
        return false;
      } finally {
        t.mock.timers.reset();
      }
    };
    const at = (nowSeconds: number) => verify("svix", { secret }, { body: vectorBody, headers, nowSeconds });
    for (const delta of [300, -300]) {
      assertAccepted(at(ts + delta));
      assert.equal(libraryAccepts(ts + delta), true);
    }
    assertRefused(at(ts + 301), "timestamp 301 s old; tolerance 300 s");
    assert.equal(libraryAccepts(ts + 301), false);
    assertRefused(at(ts - 301), "timestamp 301 s in the future; tolerance 300 s");
    assert.equal(libraryAccepts(ts - 301), false);
  });

  it("reads space-separated entries as the spec does", () => {
    const wrong = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=";
    const ok = (signature: string) =>
      verify("svix", { secret }, { body: vectorBody, headers: headersOf(signature), nowSeconds: ts });
    assertAccepted(ok(`${wrong} ${vectorSignature}`));
    assertAccepted(ok(`v2,abc  ${vectorSignature}`));
    assertRefused(ok(vectorSignature.replace("v1,", "V1,")), 'webhook-signature has no "v1," entry');
    assertRefused(ok(`${vectorSignature.replace("v1,", "V1,")} ${wrong}`), /does not match/);
    assertRefused(ok(vectorSignature.replace("v1,", "v1, ")), /does not match/);
    assertRefused(ok(vectorSignature.replace(/=$/, "")), /does not match/, [secret]);
  });

  it("refuses a tampered body, a changed id and a wrong secret", () => {
    const headers = headersOf(vectorSignature);
    assertRefused(
      verify("svix", { secret }, { body: '{"test": 2432232315}', headers, nowSeconds: ts }),
      /does not match/,
    );
    const otherId = headersOf(vectorSignature, "webhook", ts, "msg_other");
    assertRefused(verify("svix", { secret }, { body: vectorBody, headers: otherId, nowSeconds: ts }), /does not match/);
    const other = "whsec_" + Buffer.alloc(32, 7).toString("base64");
    assertRefused(verify("svix", { secret: other }, { body: vectorBody, headers, nowSeconds: ts }), /tried 1 secret/, [
      other,
    ]);
  });

  it("verifies with the fallback secret during a rotation, and not after it is removed", () => {
    const current = "whsec_" + Buffer.alloc(32, 1).toString("base64");
    const headers = headersOf(vectorSignature);
    assertAccepted(
      verify("svix", { secret: current, fallbackSecret: secret }, { body: vectorBody, headers, nowSeconds: ts }),
    );
    assertRefused(
      verify("svix", { secret: current }, { body: vectorBody, headers, nowSeconds: ts }),
      /tried 1 secret/,
      [current, secret],
    );
  });

  it("explains missing and malformed headers", () => {
    const at = (headers: Record<string, string>) =>
      verify("svix", { secret }, { body: vectorBody, headers, nowSeconds: ts });
    const full = headersOf(vectorSignature);
    const without = (name: string) => Object.fromEntries(Object.entries(full).filter(([k]) => k !== name));
    assertRefused(at(without("webhook-id")), "missing webhook-id header (or svix-id)");
    assertRefused(at(without("webhook-timestamp")), "missing webhook-timestamp header (or svix-timestamp)");
    assertRefused(at(without("webhook-signature")), "missing webhook-signature header (or svix-signature)");
    assertRefused(
      at({ ...full, "webhook-timestamp": "2021-02-25" }),
      'webhook-timestamp "2021-02-25" is not a Unix timestamp in seconds',
    );
    // Milliseconds read as seconds lie far in the future, as the reference library also refuses.
    const ms = String(ts * 1000);
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const signedMs = "v1," + createHmac("sha256", key).update(`${id}.${ms}.${vectorBody}`).digest("base64");
    assertRefused(
      at({ ...full, "webhook-timestamp": ms, "webhook-signature": signedMs }),
      /^timestamp \d+ s in the future; tolerance 300 s$/,
    );
  });

  it("checks secrets are Standard Webhooks keys", () => {
    const v = verifierFor("svix")!;
    assert.equal(v.validateConfig({ secret }), null);
    assert.equal(v.validateConfig({ secret: secret.slice("whsec_".length) }), null, "the prefix is optional");
    assert.equal(v.validateConfig({}), "config.secret is required");
    assert.match(
      v.validateConfig({ secret: "whsec_" + Buffer.alloc(32, 255).toString("base64url") })!,
      /standard base64/,
    );
    assert.equal(
      v.validateConfig({ secret: "whsec_c2hvcnQ=" }),
      "config.secret decodes to 5 bytes; Standard Webhooks secrets are 24–64",
    );
    assert.match(
      v.validateConfig({ secret, fallbackSecret: "whpk_abc" })!,
      /config.fallbackSecret is not a whpk_ ed25519 public key/,
    );
  });
});
