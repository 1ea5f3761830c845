import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import "@shopify/shopify-api/adapters/web-api";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { getHmac } from "@shopify/shopify-api/test-helpers";
import { isValidSlackRequest } from "@slack/bolt";
import { verifierFor } from "../src/inbound/verifier-registry.ts";
import { assertAccepted, assertRefused, verify } from "./support/inbound-verification.ts";

/**
 * Shopify and Slack verifiers. Shopify requests are signed with @shopify/shopify-api's own
 * getHmac and checked by its webhooks.validate; Slack publishes no signing helper, so requests
 * signed here are checked by @slack/bolt's verifier too, which keeps both sides honest. Vectors
 * from webhook-standards.md §3.3, §3.4.
 */

describe("shopify verifier", () => {
  const secret = "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";
  // Shopify ids exceed 2^53: the body stays the exact text, never a parsed-and-reprinted number.
  const body = '{"id":820982911946154508,"email":"jon@doe.ca","total_price":"12.50"}';
  const shopifyHeaders = (signed: string, signingSecret: string) => ({
    "X-Shopify-Hmac-Sha256": getHmac(signed, signingSecret),
    "X-Shopify-Topic": "orders/create",
    "X-Shopify-Shop-Domain": "hookline-test.myshopify.com",
    "X-Shopify-API-Version": "2025-01",
    "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
  });
  const shopifyAccepts = async (rawBody: string, headers: Record<string, string>) => {
    const shopify = shopifyApi({
      apiKey: "unused",
      apiSecretKey: secret,
      scopes: [],
      hostName: "hooks.example.com",
      apiVersion: ApiVersion.January25,
      isEmbeddedApp: false,
      logger: { level: LogSeverity.Error, log: async () => {} },
    });
    const rawRequest = new Request("https://hooks.example.com/in/src_test", { method: "POST", body: rawBody, headers });
    return (await shopify.webhooks.validate({ rawBody, rawRequest })).valid;
  };

  it("accepts the reference vector (a UTF-8 body)", () => {
    const vector = '{"id":820982911946154508,"email":"jon@doe.ca","note":"Zoë ✓"}';
    const headers = { "X-Shopify-Hmac-Sha256": "hsAWPx/X54WV1s2bcbH+C2W3rTZSCS0qixsonCqaDZg=" };
    assertAccepted(verify("shopify", { secret: "hush" }, { body: vector, headers }));
  });

  it("accepts what getHmac signs, as Shopify's own validate does, and names it", async () => {
    const headers = shopifyHeaders(body, secret);
    assert.equal(await shopifyAccepts(body, headers), true);
    const result = assertAccepted(verify("shopify", { secret }, { body, headers }));
    assert.equal(result.dedupeId, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    assert.equal(result.eventType, "orders.create", "the topic's slash becomes a dot");
  });

  it("refuses a tampered body and a wrong secret, as Shopify's validate does", async () => {
    const headers = shopifyHeaders(body, secret);
    const tampered = body.replace("12.50", "0.01");
    assert.equal(await shopifyAccepts(tampered, headers), false);
    assertRefused(
      verify("shopify", { secret }, { body: tampered, headers }),
      "signature does not match (tried 1 secret)",
      [secret],
    );
    assertRefused(verify("shopify", { secret: "shpss_another" }, { body, headers }), /does not match/, [secret]);
  });

  it("reads the un-prefixed lower-case headers of Shopify's Events deliveries", () => {
    const headers = {
      "shopify-hmac-sha256": getHmac(body, secret),
      "shopify-topic": "products/update",
      "shopify-event-id": "evt-42",
    };
    const result = assertAccepted(verify("shopify", { secret }, { body, headers }));
    assert.equal(result.eventType, "products.update");
    assert.equal(result.dedupeId, "evt-42", "the event id stands in when there is no webhook id");
  });

  it("verifies with the fallback secret during a rotation, and not after it is removed", () => {
    const old = "shpss_old_rotated_secret_7788";
    const headers = shopifyHeaders(body, old);
    assertAccepted(verify("shopify", { secret, fallbackSecret: old }, { body, headers }));
    assertRefused(verify("shopify", { secret }, { body, headers }), /tried 1 secret/, [secret, old]);
  });

  it("explains missing and malformed signatures (a hex digest is not accepted)", () => {
    assertRefused(verify("shopify", { secret }, { body }), "missing X-Shopify-Hmac-Sha256 header");
    const hex = createHmac("sha256", secret).update(body).digest("hex");
    assertRefused(
      verify("shopify", { secret }, { body, headers: { "X-Shopify-Hmac-Sha256": hex } }),
      "X-Shopify-Hmac-Sha256 is not a base64 HMAC-SHA256 (44 characters ending in =)",
    );
    assert.equal(verifierFor("shopify")!.validateConfig({}), "config.secret is required");
  });
});

describe("slack verifier", () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const ts = 1531420618;
  const slackSign = (rawBody: string, signingSecret: string, timestamp = ts) => ({
    "X-Slack-Request-Timestamp": String(timestamp),
    "X-Slack-Signature": "v0=" + createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`).digest("hex"),
  });
  const boltAccepts = (rawBody: string, headers: Record<string, string>, nowSeconds: number) =>
    isValidSlackRequest({
      signingSecret: secret,
      body: rawBody,
      headers: {
        "x-slack-signature": headers["X-Slack-Signature"]!,
        "x-slack-request-timestamp": Number(headers["X-Slack-Request-Timestamp"]),
      },
      nowMilliseconds: nowSeconds * 1000,
    });
  const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
  const JSON_TYPE = { "Content-Type": "application/json" };
  const eventCallback = JSON.stringify({
    type: "event_callback",
    event_id: "Ev08MFMKH6",
    event: { type: "app_mention", text: "<@U0LAN0Z89> hello", channel: "C123ABC456" },
  });

  it("accepts the slash-command vector from Slack's docs (form-encoded), as Bolt does", () => {
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const headers = {
      ...FORM,
      "X-Slack-Request-Timestamp": String(ts),
      "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    };
    assert.equal(boltAccepts(body, headers, ts), true);
    const result = assertAccepted(verify("slack", { secret }, { body, headers, nowSeconds: ts }));
    assert.equal(result.eventType, "slash_command");
    assert.equal(result.dedupeId, null);
  });

  it("names an event_callback by its inner event type and event_id", () => {
    const headers = { ...JSON_TYPE, ...slackSign(eventCallback, secret) };
    assert.equal(boltAccepts(eventCallback, headers, ts), true);
    const result = assertAccepted(verify("slack", { secret }, { body: eventCallback, headers, nowSeconds: ts }));
    assert.equal(result.dedupeId, "Ev08MFMKH6");
    assert.equal(result.eventType, "app_mention");
    assert.equal(result.reply, undefined);
  });

  it("answers url_verification with the challenge, but only once the signature holds", () => {
    const body = JSON.stringify({
      token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const result = assertAccepted(
      verify("slack", { secret }, { body, headers: { ...JSON_TYPE, ...slackSign(body, secret) }, nowSeconds: ts }),
    );
    assert.deepEqual(result.reply, {
      status: 200,
      contentType: "text/plain; charset=utf-8",
      body: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    assert.equal(result.eventType, "url_verification");
    const forged = verify(
      "slack",
      { secret },
      { body, headers: { ...JSON_TYPE, ...slackSign(body, "not-the-secret") }, nowSeconds: ts },
    );
    assertRefused(forged, "signature does not match (tried 1 secret)", [secret]);
    assert.equal("reply" in forged, false);
  });

  it("names interactivity payloads by their type", () => {
    const body =
      "payload=" + encodeURIComponent(JSON.stringify({ type: "block_actions", actions: [{ action_id: "a" }] }));
    const result = assertAccepted(
      verify("slack", { secret }, { body, headers: { ...FORM, ...slackSign(body, secret) }, nowSeconds: ts }),
    );
    assert.equal(result.eventType, "block_actions");
  });

  it("accepts 300 s of age and refuses 301 s, as Bolt decides; the future is not checked", () => {
    const headers = { ...JSON_TYPE, ...slackSign(eventCallback, secret) };
    const at = (nowSeconds: number) => verify("slack", { secret }, { body: eventCallback, headers, nowSeconds });
    assertAccepted(at(ts + 300));
    assert.equal(boltAccepts(eventCallback, headers, ts + 300), true);
    assertRefused(at(ts + 301), "timestamp 301 s old; tolerance 300 s");
    assert.equal(boltAccepts(eventCallback, headers, ts + 301), false);
    assertAccepted(at(ts - 3600));
    assert.equal(boltAccepts(eventCallback, headers, ts - 3600), true);
  });

  it("refuses a tampered body and a changed timestamp", () => {
    const headers = { ...JSON_TYPE, ...slackSign(eventCallback, secret) };
    assertRefused(
      verify("slack", { secret }, { body: eventCallback.replace("hello", "hullo"), headers, nowSeconds: ts }),
      /does not match/,
    );
    const moved = { ...headers, "X-Slack-Request-Timestamp": String(ts + 1) };
    assertRefused(
      verify("slack", { secret }, { body: eventCallback, headers: moved, nowSeconds: ts }),
      /does not match/,
    );
  });

  it("verifies with the fallback secret during a rotation, and not after it is removed", () => {
    const current = "0123456789abcdef0123456789abcdef";
    const headers = { ...JSON_TYPE, ...slackSign(eventCallback, secret) };
    assertAccepted(
      verify("slack", { secret: current, fallbackSecret: secret }, { body: eventCallback, headers, nowSeconds: ts }),
    );
    assertRefused(
      verify("slack", { secret: current }, { body: eventCallback, headers, nowSeconds: ts }),
      /tried 1 secret/,
      [current, secret],
    );
  });

  it("explains missing and malformed headers", () => {
    const signed = slackSign(eventCallback, secret);
    const without = (name: string) => Object.fromEntries(Object.entries(signed).filter(([k]) => k !== name));
    const at = (headers: Record<string, string>) =>
      verify("slack", { secret }, { body: eventCallback, headers, nowSeconds: ts });
    assertRefused(at(without("X-Slack-Signature")), "missing X-Slack-Signature header");
    assertRefused(at(without("X-Slack-Request-Timestamp")), "missing X-Slack-Request-Timestamp header");
    assertRefused(
      at({ ...signed, "X-Slack-Signature": "v1=abc" }),
      'X-Slack-Signature is not "v0=" followed by 64 hex digits',
    );
    assertRefused(at({ ...signed, "X-Slack-Request-Timestamp": "1531420618.5" }), /is not a Unix timestamp in seconds/);
  });
});
