import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import twilio from "twilio";
import { Webhook } from "standardwebhooks";
import { ManualClock } from "../src/core/clock.ts";
import { contentDedupeKey, normaliseDedupeId, SOURCE_TYPES, verifierFor } from "../src/inbound/verifier-registry.ts";
import type { SignatureScope } from "../src/inbound/verifier.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { assertAccepted, inbound, verify, type RequestParts } from "./support/inbound-verification.ts";
import { Receiver } from "./support/receiver.ts";

/**
 * Replays of providers whose signature covers the content but no timestamp or delivery id: a
 * captured request sent again under a fresh delivery id header is caught by a digest of the signed
 * content, within the source's de-duplication window. Signatures that bind a timestamp or an id,
 * and unsigned sources, keep de-duplicating on the delivery id alone.
 */

const GITHUB_SECRET = "replay-github-secret";
const githubSignature = (body: string) => `sha256=${createHmac("sha256", GITHUB_SECRET).update(body).digest("hex")}`;
const shopifySignature = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("base64");

describe("signature scopes", () => {
  it("every source type declares what its signature covers", () => {
    const expected: Record<string, [Record<string, unknown>, SignatureScope][]> = {
      github: [
        [{ secret: "s" }, "content"],
        [{}, "none"],
      ],
      shopify: [[{ secret: "s" }, "content"]],
      twilio: [[{ secret: "s" }, "content"]],
      hmac: [
        [{ header: "X-Sig", secret: "s" }, "content"],
        [{ header: "X-Sig", secret: "s", signedContent: "{url}{body}" }, "content"],
        [{ header: "X-Sig", secret: "s", timestampHeader: "X-Ts" }, "delivery"],
        [{ header: "X-Sig", secret: "s", idHeader: "X-Id", signedContent: "{id}.{body}" }, "delivery"],
        [{ header: "X-Sig", secret: "s", idHeader: "X-Id" }, "content"],
      ],
      stripe: [[{ secret: "s" }, "delivery"]],
      slack: [[{ secret: "s" }, "delivery"]],
      svix: [[{ secret: "whsec_" + Buffer.alloc(32, 1).toString("base64") }, "delivery"]],
      "generic-webhook": [[{}, "none"]],
      "basic-auth": [[{ username: "u", password: "p" }, "none"]],
      "api-key": [[{ header: "X-Key", key: "k" }, "none"]],
      cron: [[{ schedule: "* * * * *", payload: "{}" }, "none"]],
    };
    assert.deepEqual(Object.keys(expected).sort(), [...SOURCE_TYPES].sort());
    for (const [type, cases] of Object.entries(expected)) {
      for (const [config, scope] of cases) {
        const verifier = verifierFor(type)!;
        assert.equal(verifier.validateConfig(config), null, `${type} ${JSON.stringify(config)}`);
        assert.equal(verifier.signatureScope(config), scope, `${type} ${JSON.stringify(config)}`);
      }
    }
  });

  const keyOf = (type: string, config: Record<string, unknown>, parts: RequestParts) =>
    contentDedupeKey(verifierFor(type)!, config, inbound(parts), assertAccepted(verify(type, config, parts)));

  it("keys a content-only signature on the signed content, whatever the delivery id says", () => {
    const body = '{"action":"opened"}';
    const github = (delivery: string) =>
      keyOf(
        "github",
        { secret: GITHUB_SECRET },
        { body, headers: { "x-github-delivery": delivery, "x-hub-signature-256": githubSignature(body) } },
      );
    assert.match(github("a")!, /^content:[0-9a-f]{64}$/);
    assert.equal(github("a"), github("b"));
    const other = '{"action":"closed"}';
    const otherKey = keyOf(
      "github",
      { secret: GITHUB_SECRET },
      { body: other, headers: { "x-github-delivery": "a", "x-hub-signature-256": githubSignature(other) } },
    );
    assert.notEqual(otherKey, github("a"));
    // An unsigned GitHub source has nothing to replay: no content key.
    assert.equal(keyOf("github", {}, { body, headers: { "x-github-delivery": "a" } }), null);
  });

  it("keys Twilio on its signature, so another accepted spelling of the URL is the same replay", () => {
    const token = "twilio-replay-token";
    const url = "https://hooks.example.com/in/src_x/tok?a=1";
    const params = { MessageSid: "SM1", MessageStatus: "delivered" };
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    const signature = twilio.getExpectedTwilioSignature(token, url, params);
    const request = (u: string, idempotency: string, body: string) =>
      keyOf(
        "twilio",
        { secret: token },
        {
          url: u,
          body,
          headers: { ...headers, "x-twilio-signature": signature, "i-twilio-idempotency-token": idempotency },
        },
      );
    const original = request(url, "one", new URLSearchParams(params).toString());
    assert.match(original!, /^content:[0-9a-f]{64}$/);
    // Port spelled out, parameters reordered, a fresh idempotency token: still the same signed content.
    const replay = request(url.replace(".com/", ".com:443/"), "two", "MessageStatus=delivered&MessageSid=SM1");
    assert.equal(replay, original);
  });

  it("adds no content key where a timestamp or id is signed, or nothing is", () => {
    const secret = "whsec_" + Buffer.alloc(32, 3).toString("base64");
    const body = '{"type":"invoice.paid"}';
    const now = new Date();
    const signed = new Webhook(secret).sign("msg_1", now, body);
    assert.equal(
      keyOf(
        "svix",
        { secret },
        {
          body,
          headers: {
            "webhook-id": "msg_1",
            "webhook-timestamp": String(Math.floor(+now / 1000)),
            "webhook-signature": signed,
          },
        },
      ),
      null,
    );
    assert.equal(keyOf("generic-webhook", {}, { body, headers: { "idempotency-key": "k" } }), null);
  });

  it("never lets a delivery id pass for a content key", () => {
    const spoof = `content:${"0".repeat(64)}`;
    assert.match(normaliseDedupeId(spoof)!, /^sha256:[0-9a-f]{64}$/);
    assert.equal(normaliseDedupeId("content-free id"), "content-free id");
  });
});

describe("inbound replay under a fresh delivery id", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.now());

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({}, { clock, pollIntervalMs: 3_600_000 });
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  async function sourceWithDestination(type: string, config: Record<string, unknown>, path: string, extra = {}) {
    const source = await h.api("POST", "/ingest/api/v1/source", { name: `${type} replay`, type, config, ...extra });
    assert.equal(source.status, 201, source.text);
    const dest = await h.api("POST", `/ingest/api/v1/source/${source.body.id}/endpoint`, {
      url: `${receiver.url}${path}`,
    });
    assert.equal(dest.status, 201, dest.text);
    return source.body as { id: string; ingestUrl: string };
  }

  async function deliver(url: string, body: string, headers: Record<string, string>) {
    const res = await fetch(url, { method: "POST", headers, body });
    const text = await res.text();
    await h.dispatcher.idle();
    return { status: res.status, text };
  }

  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);
  const logOf = async (sourceId: string) =>
    (await h.api("GET", `/ingest/api/v1/source/${sourceId}/log`)).body.data as Array<Record<string, any>>;

  it("stores a GitHub-signed body once when it comes again with another X-GitHub-Delivery", async () => {
    const source = await sourceWithDestination("github", { secret: GITHUB_SECRET }, "/gh-replay", {
      dedupeWindowSeconds: 60,
    });
    const body = '{"action":"created","comment":{"body":"ship it"}}';
    const headers = (delivery: string) => ({
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-github-delivery": delivery,
      "x-hub-signature-256": githubSignature(body),
    });
    const first = await deliver(source.ingestUrl, body, headers("11111111-aaaa-11e3-81ab-4c9367dc0958"));
    const replay = await deliver(source.ingestUrl, body, headers("22222222-bbbb-11e3-81ab-4c9367dc0958"));
    assert.equal(first.status, 200);
    assert.equal(replay.status, 200, "answered as a duplicate is: acknowledged");
    assert.equal(replay.text, first.text);
    assert.equal(arrivals("/gh-replay").length, 1, "forwarded once");

    const log = await logOf(source.id);
    const accepted = log.filter((e) => e.outcome === "accepted");
    const duplicates = log.filter((e) => e.outcome === "duplicate");
    assert.equal(accepted.length, 1);
    assert.equal(duplicates.length, 1);
    assert.equal(duplicates[0]!.msg_id, accepted[0]!.msg_id);
    const messages = await h.api("GET", `/api/v1/app/${await sourceApp(source.id)}/msg`);
    assert.equal(messages.body.data.length, 1, "stored once");

    // A different body under a fresh id is a new event; the replay is new again once the window passed.
    const other = '{"action":"deleted"}';
    const next = await deliver(source.ingestUrl, other, {
      ...headers("33333333-cccc-11e3-81ab-4c9367dc0958"),
      "x-hub-signature-256": githubSignature(other),
    });
    assert.equal(next.status, 200);
    assert.equal(arrivals("/gh-replay").length, 2);
    clock.advance(60_001);
    await deliver(source.ingestUrl, body, headers("44444444-dddd-11e3-81ab-4c9367dc0958"));
    assert.equal(arrivals("/gh-replay").length, 3, "outside the window the content is not remembered");
  });

  async function sourceApp(sourceId: string): Promise<string> {
    return (await h.api("GET", `/ingest/api/v1/source/${sourceId}`)).body.appId;
  }

  it("stores a Shopify-signed body once under a fresh webhook id", async () => {
    const secret = "shopify-replay-secret";
    const source = await sourceWithDestination("shopify", { secret }, "/shop-replay");
    const body = '{"id":820982911946154500,"email":"jon@example.com"}';
    const headers = (id: string) => ({
      "content-type": "application/json",
      "x-shopify-topic": "orders/create",
      "x-shopify-webhook-id": id,
      "x-shopify-hmac-sha256": shopifySignature(secret, body),
    });
    assert.equal((await deliver(source.ingestUrl, body, headers("b54557e4-1"))).status, 200);
    assert.equal((await deliver(source.ingestUrl, body, headers("b54557e4-2"))).status, 200);
    assert.equal(arrivals("/shop-replay").length, 1);
    assert.deepEqual((await logOf(source.id)).map((e) => e.outcome).sort(), ["accepted", "duplicate"]);
  });

  it("leaves a timestamped source alone: the same body under fresh ids and timestamps is two events", async () => {
    const secret = "whsec_" + Buffer.alloc(32, 9).toString("base64");
    const source = await sourceWithDestination("svix", { secret }, "/svix-same-body");
    const provider = new Webhook(secret);
    const body = '{"type":"invoice.paid","amount":100}';
    for (const id of ["msg_same_1", "msg_same_2"]) {
      const date = new Date(clock.now());
      const res = await deliver(source.ingestUrl, body, {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(date.getTime() / 1000)),
        "webhook-signature": provider.sign(id, date, body),
      });
      assert.equal(res.status, 200, res.text);
      clock.advance(1_000);
    }
    assert.equal(arrivals("/svix-same-body").length, 2);
    assert.deepEqual(
      (await logOf(source.id)).map((e) => e.outcome),
      ["accepted", "accepted"],
    );
  });

  it("leaves an unsigned source alone: identical bodies with distinct idempotency keys are two events", async () => {
    const source = await sourceWithDestination("generic-webhook", {}, "/generic-same-body");
    for (const key of ["k1", "k2"]) {
      const res = await deliver(source.ingestUrl, '{"ping":true}', {
        "content-type": "application/json",
        "idempotency-key": key,
      });
      assert.equal(res.status, 200);
    }
    assert.equal(arrivals("/generic-same-body").length, 2);
  });
});
