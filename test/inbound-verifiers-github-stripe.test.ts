import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { sign as octokitSign } from "@octokit/webhooks-methods";
import Stripe from "stripe";
import { verifierFor } from "../src/inbound/verifier-registry.ts";
import { assertAccepted, assertRefused, verify } from "./support/inbound-verification.ts";

/**
 * GitHub and Stripe verifiers against requests signed by @octokit/webhooks-methods and by the
 * stripe package, and against the published vectors (webhook-standards.md §3.1, §3.2).
 */

describe("github verifier", () => {
  const secret = "gh-secret-0f3a9c2e71";
  const payload = JSON.stringify({ ref: "refs/heads/main", after: "6113728f27ae82c7b1a177c8d03f9e96e0adf246" });
  const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
  const github = async (body: string, signingSecret: string, event = "push") => ({
    "X-GitHub-Event": event,
    "X-GitHub-Delivery": delivery,
    "X-Hub-Signature-256": await octokitSign(signingSecret, body),
  });

  it("accepts the vectors from GitHub's docs and octokit's tests", () => {
    const docs = verify(
      "github",
      { secret: "It's a Secret to Everybody" },
      {
        body: "Hello, World!",
        headers: { "X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" },
      },
    );
    assertAccepted(docs);
    const octokit = verify(
      "github",
      { secret: "mysecret" },
      {
        body: '{"foo":"bar"}',
        headers: { "X-Hub-Signature-256": "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3" },
      },
    );
    assertAccepted(octokit);
  });

  it("accepts a delivery signed by @octokit/webhooks-methods and names it from the headers", async () => {
    const result = assertAccepted(
      verify("github", { secret }, { body: payload, headers: await github(payload, secret) }),
    );
    assert.equal(result.dedupeId, delivery);
    assert.equal(result.eventType, "push");
    assert.equal(result.reply, undefined);
  });

  it("treats GitHub's ping as an ordinary event", async () => {
    const body = JSON.stringify({ zen: "Design for failure.", hook_id: 1 });
    const result = assertAccepted(verify("github", { secret }, { body, headers: await github(body, secret, "ping") }));
    assert.equal(result.eventType, "ping");
    assert.equal(result.reply, undefined);
  });

  it("accepts an upper-case hex digest, refuses a tampered body and a wrong secret", async () => {
    const headers = await github(payload, secret);
    const upper = {
      ...headers,
      "X-Hub-Signature-256": "sha256=" + headers["X-Hub-Signature-256"].slice(7).toUpperCase(),
    };
    assertAccepted(verify("github", { secret }, { body: payload, headers: upper }));
    const tampered = payload.replace("main", "mainx");
    assertRefused(
      verify("github", { secret }, { body: tampered, headers }),
      "signature does not match (tried 1 secret)",
      [secret],
    );
    assertRefused(verify("github", { secret: "another-secret-1234" }, { body: payload, headers }), /does not match/, [
      secret,
    ]);
  });

  it("verifies with the fallback secret during a rotation, and not after it is removed", async () => {
    const old = "gh-old-secret-55aa";
    const signedWithOld = await github(payload, old);
    const signedWithNew = await github(payload, secret);
    assertAccepted(verify("github", { secret, fallbackSecret: old }, { body: payload, headers: signedWithOld }));
    assertAccepted(verify("github", { secret, fallbackSecret: old }, { body: payload, headers: signedWithNew }));
    assertRefused(
      verify(
        "github",
        { secret, fallbackSecret: old },
        { body: payload, headers: await github(payload, "x-stranger-secret") },
      ),
      "signature does not match (tried 2 secrets)",
      [secret, old],
    );
    assertRefused(verify("github", { secret }, { body: payload, headers: signedWithOld }), /tried 1 secret/, [
      secret,
      old,
    ]);
  });

  it("explains missing and malformed signature headers", () => {
    assertRefused(verify("github", { secret }, { body: payload }), "missing X-Hub-Signature-256 header");
    const sha1 = "sha1=" + createHmac("sha1", secret).update(payload).digest("hex");
    assertRefused(
      verify("github", { secret }, { body: payload, headers: { "X-Hub-Signature": sha1 } }),
      /only the legacy SHA-1 X-Hub-Signature was sent/,
    );
    for (const bad of ["sha1=abc", "sha256=xyz", "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"]) {
      assertRefused(
        verify("github", { secret }, { body: payload, headers: { "X-Hub-Signature-256": bad } }),
        'X-Hub-Signature-256 is not "sha256=" followed by 64 hex digits',
      );
    }
  });

  it("accepts every delivery unverified when no secret is configured", () => {
    for (const config of [{}, { secret: null }]) {
      const result = assertAccepted(verify("github", config, { body: "{}", headers: { "X-GitHub-Event": "push" } }));
      assert.equal(result.eventType, "push");
      assert.equal(result.dedupeId, null);
    }
  });

  it("validates and redacts its config", () => {
    const v = verifierFor("github")!;
    assert.equal(v.validateConfig({ secret: "s3cret-value" }), null);
    assert.equal(v.validateConfig(undefined), null);
    assert.equal(v.validateConfig({ secret: "" }), "config.secret must be a non-empty string");
    assert.equal(v.validateConfig({ fallbackSecret: "x" }), "config.fallbackSecret is set but config.secret is not");
    assert.match(v.validateConfig({ secret: "abc\n" })!, /leading or trailing whitespace/);
    assert.match(v.validateConfig({ secret: "a", fallback_secret: "b" })!, /unknown config field "fallback_secret"/);
    assert.equal(v.validateConfig("secret"), "config must be an object");
    assert.deepEqual(v.redact({ secret: "a", fallbackSecret: "b" }), { hasSecret: true, hasFallbackSecret: true });
    assert.deepEqual(v.redact({}), { hasSecret: false, hasFallbackSecret: false });
  });
});

describe("stripe verifier", () => {
  const stripe = new Stripe("sk_test_unused");
  const secret = "whsec_test_secret";
  const t = 1700000000;
  const vectorPayload = '{\n  "id": "evt_test_webhook",\n  "object": "event"\n}';
  const vectorHeader = "t=1700000000,v1=4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150";
  const event = JSON.stringify({ id: "evt_1NG8Du2eZvKYlo2CUI79vXWy", object: "event", type: "invoice.paid" });
  const signed = (payload: string, signingSecret: string, timestamp = t) => ({
    "Stripe-Signature": stripe.webhooks.generateTestHeaderString({ payload, secret: signingSecret, timestamp }),
  });

  it("accepts the reference vector, which the stripe package itself produces", () => {
    assert.equal(signed(vectorPayload, secret)["Stripe-Signature"], vectorHeader);
    const result = assertAccepted(
      verify(
        "stripe",
        { secret },
        { body: vectorPayload, headers: { "Stripe-Signature": vectorHeader }, nowSeconds: t },
      ),
    );
    assert.equal(result.dedupeId, "evt_test_webhook");
    assert.equal(result.eventType, null, "the vector's event has no type");
  });

  it("names the event from the body's id and type", () => {
    const result = assertAccepted(
      verify("stripe", { secret }, { body: event, headers: signed(event, secret), nowSeconds: t }),
    );
    assert.equal(result.dedupeId, "evt_1NG8Du2eZvKYlo2CUI79vXWy");
    assert.equal(result.eventType, "invoice.paid");
  });

  it("accepts 300 s of age and refuses 301 s, as stripe's constructEvent decides", () => {
    const headers = signed(event, secret);
    const stripeAccepts = (nowSeconds: number) => {
      try {
        stripe.webhooks.constructEvent(event, headers["Stripe-Signature"], secret, 300, undefined, nowSeconds * 1000);
        return true;
      } catch {
        return false;
      }
    };
    assertAccepted(verify("stripe", { secret }, { body: event, headers, nowSeconds: t + 300 }));
    assert.equal(stripeAccepts(t + 300), true);
    assertRefused(
      verify("stripe", { secret }, { body: event, headers, nowSeconds: t + 301 }),
      "timestamp 301 s old; tolerance 300 s",
    );
    assert.equal(stripeAccepts(t + 301), false);
    // Like stripe-node, only the age is checked: a sender's clock an hour ahead is accepted.
    assertAccepted(verify("stripe", { secret }, { body: event, headers, nowSeconds: t - 3600 }));
    assert.equal(stripeAccepts(t - 3600), true);
  });

  it("accepts any of several v1 entries and ignores v0", () => {
    const good = signed(event, secret)["Stripe-Signature"].split(",v1=")[1]!;
    const wrong = "0".repeat(64);
    const several = `t=${t},v1=${wrong},v1=${good},v0=${wrong}`;
    assertAccepted(
      verify("stripe", { secret }, { body: event, headers: { "Stripe-Signature": several }, nowSeconds: t }),
    );
    assertRefused(
      verify(
        "stripe",
        { secret },
        { body: event, headers: { "Stripe-Signature": `t=${t},v0=${good}` }, nowSeconds: t },
      ),
      "Stripe-Signature header has no v1 signature",
    );
  });

  it("uses the secret literally: a signature keyed with its base64-decoded form is refused", () => {
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const sig = createHmac("sha256", key).update(`${t}.${event}`).digest("hex");
    assertRefused(
      verify("stripe", { secret }, { body: event, headers: { "Stripe-Signature": `t=${t},v1=${sig}` }, nowSeconds: t }),
      "signature does not match (tried 1 secret)",
      [secret],
    );
  });

  it("refuses a tampered body, a changed timestamp and a wrong secret", () => {
    const headers = signed(event, secret);
    assertRefused(
      verify("stripe", { secret }, { body: event.replace("paid", "void"), headers, nowSeconds: t }),
      /does not match/,
    );
    const moved = { "Stripe-Signature": headers["Stripe-Signature"].replace(`t=${t}`, `t=${t + 1}`) };
    assertRefused(verify("stripe", { secret }, { body: event, headers: moved, nowSeconds: t }), /does not match/);
    assertRefused(
      verify("stripe", { secret: "whsec_other" }, { body: event, headers, nowSeconds: t }),
      /does not match/,
      [secret, "whsec_other"],
    );
  });

  it("verifies with the fallback secret during a rotation, and not after it is removed", () => {
    const old = "whsec_old_rotated_out";
    const headers = signed(event, old);
    assertAccepted(verify("stripe", { secret, fallbackSecret: old }, { body: event, headers, nowSeconds: t }));
    assertRefused(verify("stripe", { secret }, { body: event, headers, nowSeconds: t }), /tried 1 secret/, [
      secret,
      old,
    ]);
  });

  it("explains missing and malformed headers", () => {
    const none = verify("stripe", { secret }, { body: event, nowSeconds: t });
    assertRefused(none, "missing Stripe-Signature header");
    const cases: [string, string][] = [
      ["v1=abc", "Stripe-Signature header has no timestamp (t=…)"],
      [`t=${t}`, "Stripe-Signature header has no v1 signature"],
      ["garbage", "Stripe-Signature header has no timestamp (t=…)"],
      [`t=yesterday,v1=${"0".repeat(64)}`, 'Stripe-Signature t "yesterday" is not a Unix timestamp in seconds'],
    ];
    for (const [header, reason] of cases) {
      assertRefused(
        verify("stripe", { secret }, { body: event, headers: { "Stripe-Signature": header }, nowSeconds: t }),
        reason,
      );
    }
  });

  it("requires a secret in its config", () => {
    const v = verifierFor("stripe")!;
    assert.equal(v.validateConfig({}), "config.secret is required");
    assert.equal(v.validateConfig({ secret: 42 }), "config.secret must be a non-empty string");
    assert.equal(v.validateConfig({ secret, fallbackSecret: "whsec_b" }), null);
    assert.deepEqual(v.redact({ secret }), { hasSecret: true, hasFallbackSecret: false });
  });
});
