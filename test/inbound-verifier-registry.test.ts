import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { normaliseDedupeId, normaliseEventType, SOURCE_TYPES, verifierFor } from "../src/inbound/verifier-registry.ts";
import { assertAccepted, assertNoSecret, assertRefused, inbound, verify } from "./support/inbound-verification.ts";

/**
 * The registry's table and the rules it applies to every verifier's answer, the generic-webhook
 * type, and properties every verifier shares: no secret in a refusal or a redacted config, and
 * no exception whatever the request.
 */

const EVENT_TYPE_NAME = /^[a-zA-Z0-9\-_.]+$/;

/** A valid config per type, each secret distinct so a leak names its field. */
const CONFIGS: Record<string, Record<string, unknown>> = {
  github: { secret: "gh-SECRET-aaaa1111", fallbackSecret: "gh-FALLBACK-bbbb2222" },
  stripe: { secret: "whsec_STRIPE-cccc3333", fallbackSecret: "whsec_FALLBACK-dddd4444" },
  shopify: { secret: "shp-SECRET-eeee5555", fallbackSecret: "shp-FALLBACK-ffff6666" },
  slack: { secret: "slack-SECRET-gggg7777", fallbackSecret: "slack-FALLBACK-hhhh8888" },
  twilio: { secret: "twilio-SECRET-iiii9999", fallbackSecret: "twilio-FALLBACK-jjjj0000" },
  svix: {
    secret: "whsec_" + Buffer.alloc(32, 11).toString("base64"),
    fallbackSecret: "whsec_" + Buffer.alloc(32, 12).toString("base64"),
  },
  "generic-webhook": {},
  hmac: { header: "X-Signature", secret: "hmac-SECRET-kkkk1212", fallbackSecret: "hmac-FALLBACK-llll3434" },
  "basic-auth": { username: "relay", password: "basic-SECRET-mmmm5656", fallbackPassword: "basic-FALLBACK-nnnn7878" },
  "api-key": { header: "X-Api-Key", key: "apikey-SECRET-oooo9090", fallbackKey: "apikey-FALLBACK-pppp1313" },
  cron: { schedule: "*/5 * * * *", payload: '{"tick":true}' },
};
const secretsOf = (config: Record<string, unknown>) =>
  ["secret", "fallbackSecret", "password", "fallbackPassword", "key", "fallbackKey"]
    .map((field) => config[field])
    .filter((v): v is string => typeof v === "string");

describe("verifier registry", () => {
  it("lists every source type once and knows no others", () => {
    assert.deepEqual([...SOURCE_TYPES].sort(), [
      "api-key",
      "basic-auth",
      "cron",
      "generic-webhook",
      "github",
      "hmac",
      "shopify",
      "slack",
      "stripe",
      "svix",
      "twilio",
    ]);
    for (const type of SOURCE_TYPES) assert.equal(verifierFor(type)!.type, type);
    assert.equal(verifierFor("gitlab"), undefined);
    assert.deepEqual(Object.keys(CONFIGS).sort(), [...SOURCE_TYPES].sort(), "every type is covered below");
  });

  it("normalises event types to Hookline's event type names", () => {
    assert.equal(normaliseEventType("orders/create"), "orders.create");
    assert.equal(normaliseEventType("customer.subscription.updated"), "customer.subscription.updated");
    assert.equal(normaliseEventType("  order shipped!  "), "order_shipped_");
    assert.equal(normaliseEventType("???"), "_");
    assert.equal(normaliseEventType("   "), null);
    assert.equal(normaliseEventType(null), null);
    assert.equal(normaliseEventType("a".repeat(300))!.length, 256);
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (raw) => {
        const name = normaliseEventType(raw);
        return name === null || (EVENT_TYPE_NAME.test(name) && name.length <= 256);
      }),
    );
  });

  it("keeps dedupe ids short and unique", () => {
    assert.equal(normaliseDedupeId(" evt_1 "), "evt_1");
    assert.equal(normaliseDedupeId(""), null);
    const long = normaliseDedupeId("k".repeat(1000))!;
    assert.match(long, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(long, normaliseDedupeId("k".repeat(999) + "j"));
    assert.equal(normaliseDedupeId("k".repeat(256)), "k".repeat(256));
  });

  it("turns a verifier's exception into a refusal that quotes nothing", () => {
    // A config that skipped validateConfig: its template cannot be parsed, so the verifier throws.
    const config = { header: "X-Signature", secret: "thrown-SECRET-qqqq", signedContent: "{nope}.{body}" };
    const result = verifierFor("hmac")!.verify(config, inbound({ headers: { "X-Signature": "00" } }));
    assertRefused(result, "internal verifier error (Error)", [config.secret]);
  });

  it("never shows a secret in a redacted config", () => {
    for (const [type, config] of Object.entries(CONFIGS)) {
      const verifier = verifierFor(type)!;
      assert.equal(verifier.validateConfig(config), null, type);
      const shown = JSON.stringify(verifier.redact(config));
      assertNoSecret(shown, secretsOf(config));
    }
  });

  it("never throws, never accepts an unsigned request for a secret-bearing type, never quotes a secret", () => {
    const requests = fc.record({
      headers: fc.dictionary(
        fc.constantFrom(
          "x-hub-signature-256",
          "stripe-signature",
          "x-shopify-hmac-sha256",
          "x-slack-signature",
          "x-slack-request-timestamp",
          "x-twilio-signature",
          "webhook-id",
          "webhook-timestamp",
          "webhook-signature",
          "x-signature",
          "authorization",
          "x-api-key",
          "content-type",
        ),
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.constantFrom("t=1,v1=00", "v1,AAAA", "Basic Og==", "application/json", "sha256="),
        ),
      ),
      body: fc.string({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(requests, fc.constantFrom(...Object.keys(CONFIGS)), ({ headers, body }, type) => {
        const result = verify(type, CONFIGS[type], { headers, body, nowSeconds: 1 });
        if (type === "generic-webhook") return result.ok;
        if (result.ok) return false;
        assertNoSecret(result.reason, secretsOf(CONFIGS[type]!));
        return result.reason.length > 0;
      }),
      { numRuns: 500 },
    );
  });

  it("answers nonsense configs with a message instead of an exception", () => {
    for (const type of SOURCE_TYPES) {
      for (const config of ["secret", 42, [1], { nonsense: true }]) {
        const problem = verifierFor(type)!.validateConfig(config);
        assert.equal(typeof problem, "string", `${type} ${JSON.stringify(config)}`);
      }
    }
  });
});

describe("generic-webhook verifier", () => {
  it("accepts anything and takes the dedupe id from Idempotency-Key, then webhook-id", () => {
    const keyed = assertAccepted(
      verify("generic-webhook", {}, { headers: { "Idempotency-Key": "ik-1", "webhook-id": "msg_1" } }),
    );
    assert.equal(keyed.dedupeId, "ik-1");
    assert.equal(
      assertAccepted(verify("generic-webhook", {}, { headers: { "webhook-id": "msg_1" } })).dedupeId,
      "msg_1",
    );
    const bare = assertAccepted(verify("generic-webhook", undefined, { body: "<xml/>" }));
    assert.deepEqual([bare.dedupeId, bare.eventType], [null, null]);
  });

  it("names CloudEvents in binary and structured mode, and JSON bodies with a type", () => {
    const binary = assertAccepted(
      verify(
        "generic-webhook",
        {},
        { headers: { "ce-id": "A234-1234-1234", "ce-type": "com.example.object.deleted.v2" } },
      ),
    );
    assert.deepEqual([binary.dedupeId, binary.eventType], ["A234-1234-1234", "com.example.object.deleted.v2"]);
    const structured = assertAccepted(
      verify(
        "generic-webhook",
        {},
        {
          headers: { "Content-Type": "application/cloudevents+json; charset=utf-8" },
          body: JSON.stringify({ specversion: "1.0", id: "ce-9", source: "/x", type: "com.example.created" }),
        },
      ),
    );
    assert.deepEqual([structured.dedupeId, structured.eventType], ["ce-9", "com.example.created"]);
    const json = assertAccepted(
      verify(
        "generic-webhook",
        {},
        { headers: { "Content-Type": "application/json" }, body: '{"type":"user.created","id":"u1"}' },
      ),
    );
    assert.deepEqual([json.dedupeId, json.eventType], [null, "user.created"], "a plain JSON id is not a delivery id");
  });

  it("takes no config", () => {
    const v = verifierFor("generic-webhook")!;
    assert.equal(v.validateConfig({}), null);
    assert.equal(v.validateConfig({ secret: "x" }), 'unknown config field "secret" (this source type takes no config)');
    assert.deepEqual(v.redact({}), {});
  });
});
