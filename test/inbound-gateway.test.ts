import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver, type ReceivedRequest } from "./support/receiver.ts";

const GITHUB_SECRET = "It's a Secret to Everybody";
const githubSignature = (secret: string, body: Buffer | string) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/** Verifies a forwarded request with the independent Standard Webhooks library and the destination's secret. */
function verifyForward(secret: string, req: ReceivedRequest): void {
  new Webhook(secret).verify(req.raw, req.headers as Record<string, string>, { jsonParse: false });
}

/**
 * The inbound gateway end to end: a real Hookline, real HTTP requests signed as the providers
 * sign them, and a real receiver standing in for the internal service.
 */
describe("inbound gateway", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.now());

  async function advance(ms: number) {
    clock.advance(ms);
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
  }

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "5,60,300" }, { clock, pollIntervalMs: 3_600_000 });
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  /** A source of `type` with one destination at `path` on the receiver. */
  async function sourceWithDestination(type: string, config: Record<string, unknown>, path: string, extra = {}) {
    const source = await h.api("POST", "/ingest/api/v1/source", { name: `${type} test`, type, config, ...extra });
    assert.equal(source.status, 201, source.text);
    const dest = await h.api("POST", `/ingest/api/v1/source/${source.body.id}/endpoint`, {
      url: `${receiver.url}${path}`,
    });
    assert.equal(dest.status, 201, dest.text);
    const secret = await h.api("GET", `/ingest/api/v1/source/${source.body.id}/endpoint/${dest.body.id}/secret`);
    return { source: source.body, endpointId: dest.body.id as string, secret: secret.body.key as string };
  }

  /** POSTs to an ingest URL as a provider would. */
  async function deliverInbound(url: string, body: Buffer | string, headers: Record<string, string>) {
    const res = await fetch(url, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : new Uint8Array(body),
    });
    const text = await res.text();
    await h.dispatcher.idle();
    return { status: res.status, text, headers: res.headers };
  }

  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);
  const logOf = async (sourceId: string) =>
    (await h.api("GET", `/ingest/api/v1/source/${sourceId}/log`)).body.data as Array<Record<string, any>>;

  it("verifies a GitHub delivery, stores it, forwards the exact bytes re-signed for the destination", async () => {
    const { source, secret } = await sourceWithDestination("github", { secret: GITHUB_SECRET }, "/gh");
    assert.match(source.ingestUrl, new RegExp(`/in/${source.id}/[A-Za-z0-9_-]{32}$`));
    assert.ok(!JSON.stringify(source.config).includes(GITHUB_SECRET), "the secret is never echoed");
    // Spacing and key order as GitHub sent them: forwarding must not re-serialise.
    const body = '{"zen":"Design for failure.",  "hook_id": 1,"a":{"b":[1, 2]}}';
    const res = await deliverInbound(source.ingestUrl, body, {
      "content-type": "application/json",
      "x-github-event": "ping",
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      "x-hub-signature-256": githubSignature(GITHUB_SECRET, body),
    });
    assert.equal(res.status, 200);
    const [forward] = arrivals("/gh");
    assert.ok(forward, "forwarded");
    assert.equal(forward.body, body, "byte for byte");
    assert.equal(forward.headers["content-type"], "application/json");
    assert.equal(forward.headers["x-github-event"], "ping", "the event header travels with it");
    assert.equal(forward.headers["x-github-delivery"], "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assert.equal(forward.headers["x-hub-signature-256"], undefined, "the provider's signature is not forwarded");
    assert.equal(forward.headers["hookline-source-id"], source.id);
    verifyForward(secret, forward);

    const [entry] = await logOf(source.id);
    assert.equal(entry!.outcome, "accepted");
    assert.equal(entry!.status_code, 200);
    assert.equal(entry!.payload, body);
    assert.equal(entry!.msg_id, forward.headers["webhook-id"]);
    // The accepted event is a message of the source's application, with its attempt log.
    const msg = await h.api("GET", `/api/v1/app/${source.appId}/msg/${entry!.msg_id}`);
    assert.equal(msg.body.eventType, "ping");
    const apps = await h.api("GET", "/api/v1/app?limit=250");
    assert.ok(!apps.body.data.some((a: { id: string }) => a.id === source.appId), "backing app is not listed");
  });

  it("refuses a tampered body or a wrong secret with 401, logs why, forwards nothing", async () => {
    const { source } = await sourceWithDestination("github", { secret: GITHUB_SECRET }, "/gh-refused");
    const body = '{"action":"opened"}';
    const tampered = await deliverInbound(source.ingestUrl, body.replace("opened", "closed"), {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": "d-1",
      "x-hub-signature-256": githubSignature(GITHUB_SECRET, body),
    });
    assert.equal(tampered.status, 401);
    assert.ok(!tampered.text.includes("match"), "the caller is not told which check failed");
    const unsigned = await deliverInbound(source.ingestUrl, body, { "content-type": "application/json" });
    assert.equal(unsigned.status, 401);
    assert.equal(arrivals("/gh-refused").length, 0);
    const log = await logOf(source.id);
    assert.equal(log.length, 2);
    for (const entry of log) {
      assert.equal(entry.outcome, "refused");
      assert.equal(entry.status_code, 401);
      assert.equal(entry.msg_id, null);
      assert.ok(entry.error_text.length > 0, "the log explains the refusal");
      assert.ok(!entry.error_text.includes(GITHUB_SECRET));
    }
    assert.match(log.map((e) => e.error_text).join("\n"), /X-Hub-Signature-256/i);
  });

  it("acknowledges a redelivery but forwards it once, also when the copies arrive concurrently", async () => {
    const { source } = await sourceWithDestination("github", { secret: GITHUB_SECRET }, "/gh-dedupe", {
      dedupeWindowSeconds: 2,
    });
    const body = '{"ref":"refs/heads/main"}';
    const headers = {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": "delivery-dedupe-1",
      "x-hub-signature-256": githubSignature(GITHUB_SECRET, body),
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => deliverInbound(source.ingestUrl, body, headers)));
    assert.deepEqual(
      results.map((r) => r.status),
      Array(8).fill(200),
    );
    await h.dispatcher.idle();
    assert.equal(arrivals("/gh-dedupe").length, 1, "forwarded exactly once");
    const log = await logOf(source.id);
    assert.equal(log.filter((e) => e.outcome === "accepted").length, 1);
    const duplicates = log.filter((e) => e.outcome === "duplicate");
    assert.equal(duplicates.length, 7);
    const original = log.find((e) => e.outcome === "accepted")!.msg_id;
    for (const d of duplicates) assert.equal(d.msg_id, original);

    // Outside the window the same id is a new event (the provider's ids are only unique for so long).
    clock.advance(2_001);
    const later = await deliverInbound(source.ingestUrl, body, headers);
    assert.equal(later.status, 200);
    assert.equal(arrivals("/gh-dedupe").length, 2);
  });

  it("forwards form-encoded, XML and non-UTF-8 bodies byte for byte with their content type", async () => {
    const { source, secret } = await sourceWithDestination("generic-webhook", {}, "/raw");
    const cases: Array<[string, Buffer]> = [
      ["application/x-www-form-urlencoded", Buffer.from("a=1&b=%F0%9F%98%80&c=x+y")],
      ["application/xml; charset=utf-8", Buffer.from('<?xml version="1.0"?><note id="1">Zoë ✓</note>')],
      ["application/octet-stream", Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x0a, 0xc3])],
    ];
    for (const [contentType, body] of cases) {
      const res = await deliverInbound(source.ingestUrl, body, { "content-type": contentType });
      assert.equal(res.status, 200);
    }
    const got = arrivals("/raw");
    assert.equal(got.length, 3);
    for (const [i, [contentType, body]] of cases.entries()) {
      assert.ok(got[i]!.raw.equals(body), `body ${i} is identical`);
      assert.equal(got[i]!.headers["content-type"], contentType);
    }
    // The signature covers the exact bytes. The standard library joins the signed content as a
    // string, so it can only check text bodies; the binary one is checked byte-wise here.
    verifyForward(secret, got[0]!);
    verifyForward(secret, got[1]!);
    const binary = got[2]!;
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key)
      .update(`${binary.headers["webhook-id"]}.${binary.headers["webhook-timestamp"]}.`)
      .update(binary.raw)
      .digest("base64");
    assert.equal(binary.headers["webhook-signature"], `v1,${expected}`);
  });

  it("answers Slack's url_verification challenge itself, without forwarding it", async () => {
    const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    const { source } = await sourceWithDestination("slack", { secret: slackSecret }, "/slack");
    const body = JSON.stringify({
      token: "t",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const ts = Math.floor(clock.now() / 1000);
    const signature = `v0=${createHmac("sha256", slackSecret).update(`v0:${ts}:${body}`).digest("hex")}`;
    const res = await deliverInbound(source.ingestUrl, body, {
      "content-type": "application/json",
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": signature,
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    assert.equal(arrivals("/slack").length, 0);
    const [entry] = await logOf(source.id);
    assert.equal(entry!.outcome, "replied");
  });

  it("answers the CloudEvents validation handshake and a custom acceptance response", async () => {
    const { source } = await sourceWithDestination("generic-webhook", {}, "/custom", {
      response: { status: 202, contentType: "text/plain", body: "thanks" },
    });
    const options = await fetch(source.ingestUrl, {
      method: "OPTIONS",
      headers: { "webhook-request-origin": "eventemitter.example.com", "webhook-request-rate": "120" },
    });
    assert.equal(options.status, 200);
    assert.equal(options.headers.get("webhook-allowed-origin"), "eventemitter.example.com");
    assert.equal(options.headers.get("webhook-allowed-rate"), "120");
    assert.match(options.headers.get("allow") ?? "", /POST/);
    const res = await deliverInbound(source.ingestUrl, "{}", { "content-type": "application/json" });
    assert.equal(res.status, 202);
    assert.equal(res.text, "thanks");
  });

  it("keeps ingest URLs secret: a wrong token is a 404 like an unknown source; a rotated one lasts 48 h", async () => {
    const { source } = await sourceWithDestination("generic-webhook", {}, "/token");
    const wrong = source.ingestUrl.replace(/\/[^/]+$/, "/not-the-token-000000000000000000000");
    assert.equal((await deliverInbound(wrong, "{}", { "content-type": "application/json" })).status, 404);
    const unknown = source.ingestUrl.replace(source.id, "src_2yZwUhtgs5Ai8T9yRQJXA");
    assert.equal((await deliverInbound(unknown, "{}", { "content-type": "application/json" })).status, 404);
    const rotated = await h.api("POST", `/ingest/api/v1/source/${source.id}/token/rotate`);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.ingestUrl, source.ingestUrl);
    const json = { "content-type": "application/json" };
    assert.equal((await deliverInbound(source.ingestUrl, "{}", json)).status, 200, "the old URL still works");
    clock.advance(48 * 3_600_000 - 1);
    assert.equal((await deliverInbound(source.ingestUrl, "{}", json)).status, 200);
    clock.advance(1);
    assert.equal((await deliverInbound(source.ingestUrl, "{}", json)).status, 404, "not after 48 hours");
    clock.advance(-48 * 3_600_000);
    for (let i = 0; i < 2; i++) {
      assert.equal((await h.api("POST", `/ingest/api/v1/source/${source.id}/token/rotate`)).status, 200);
    }
    const fourth = await h.api("POST", `/ingest/api/v1/source/${source.id}/token/rotate`);
    assert.equal(fourth.status, 409, "three live rotations at most");
    assert.equal(
      (await deliverInbound(rotated.body.ingestUrl, "{}", { "content-type": "application/json" })).status,
      200,
    );
  });

  it("rotates the provider secret with a fallback: both verify until the fallback is removed", async () => {
    const { source } = await sourceWithDestination("github", { secret: "old-secret" }, "/rotate");
    await h.api("PATCH", `/ingest/api/v1/source/${source.id}`, {
      config: { secret: "new-secret", fallbackSecret: "old-secret" },
    });
    const send = (secret: string, id: string) =>
      deliverInbound(source.ingestUrl, "{}", {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": id,
        "x-hub-signature-256": githubSignature(secret, "{}"),
      });
    assert.equal((await send("old-secret", "r1")).status, 200);
    assert.equal((await send("new-secret", "r2")).status, 200);
    await h.api("PATCH", `/ingest/api/v1/source/${source.id}`, { config: { secret: "new-secret" } });
    assert.equal((await send("old-secret", "r3")).status, 401);
    assert.equal((await send("new-secret", "r4")).status, 200);
  });

  it("delivers every accepted event exactly as sent after the destination was down for a while", async () => {
    const { source, secret } = await sourceWithDestination(
      "svix",
      { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
      "/down",
    );
    let up = false;
    receiver.respond((req) => (req.path === "/down" && !up ? { status: 503 } : { status: 200 }));
    const provider = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    const sent: string[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const body = `{"type":"invoice.paid","n":${i},"pad":"${"x".repeat(i)}"}`;
        const id = `msg_inbound_${i}`;
        const date = new Date(clock.now());
        const res = await deliverInbound(source.ingestUrl, body, {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(date.getTime() / 1000)),
          "webhook-signature": provider.sign(id, date, body),
        });
        assert.equal(res.status, 200, res.text);
        sent.push(body);
      }
      assert.equal(arrivals("/down").length, 20, "first attempts all failed");
      await advance(6_000);
      assert.equal(arrivals("/down").length, 40, "second attempts failed too");
      up = true;
      // The third attempt is due 60 s ± 20% jitter after the second.
      await advance(75_000);
    } finally {
      receiver.respond(() => ({ status: 200 }));
    }
    const delivered = arrivals("/down").slice(40);
    assert.equal(delivered.length, 20);
    assert.deepEqual(delivered.map((r) => r.body).sort(), [...sent].sort());
    for (const r of delivered) {
      verifyForward(secret, r);
      assert.equal(r.headers["webhook-signature"]!.includes(" "), false);
    }
    const [sample] = await logOf(source.id);
    assert.equal(sample!.outcome, "accepted");
    const msg = await h.api("GET", `/api/v1/app/${source.appId}/msg/${sample!.msg_id}`);
    assert.equal(msg.body.eventType, "invoice.paid", "event type from the Standard Webhooks body");
  });

  it("replays an accepted event to its destinations with the same id", async () => {
    const { source } = await sourceWithDestination("generic-webhook", {}, "/replay");
    await deliverInbound(source.ingestUrl, '{"k":1}', { "content-type": "application/json" });
    const [entry] = await logOf(source.id);
    const replay = await h.api("POST", `/ingest/api/v1/source/${source.id}/log/${entry!.id}/replay`, {});
    assert.equal(replay.status, 202, replay.text);
    assert.equal(replay.body.replayed, 1);
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
    const got = arrivals("/replay");
    assert.equal(got.length, 2);
    assert.equal(got[1]!.headers["webhook-id"], got[0]!.headers["webhook-id"]);
    assert.equal(got[1]!.body, '{"k":1}');

    await deliverInbound(source.ingestUrl, "{}", { "content-type": "application/json", "x-broken": "1" });
    const refusedSource = await sourceWithDestination("github", { secret: "s" }, "/replay-refused");
    await deliverInbound(refusedSource.source.ingestUrl, "{}", { "content-type": "application/json" });
    const [refused] = await logOf(refusedSource.source.id);
    const notReplayable = await h.api(
      "POST",
      `/ingest/api/v1/source/${refusedSource.source.id}/log/${refused!.id}/replay`,
      {},
    );
    assert.equal(notReplayable.status, 409);
  });

  it("gives destinations every endpoint feature: event-type filters, payload filters, transformations", async () => {
    const { source } = await sourceWithDestination("github", { secret: GITHUB_SECRET }, "/all");
    const base = `/ingest/api/v1/source/${source.id}/endpoint`;
    const pushes = await h.api("POST", base, { url: `${receiver.url}/pushes`, filterTypes: ["push"] });
    const mainOnly = await h.api("POST", base, {
      url: `${receiver.url}/main-only`,
      filter: 'payload.ref = "refs/heads/main"',
    });
    const shaped = await h.api("POST", base, { url: `${receiver.url}/shaped` });
    const patch = await h.api("PATCH", `${base}/${shaped.body.id}/transformation`, {
      code: '{"branch": $substringAfter(payload.ref, "refs/heads/"), "event": eventType}',
      enabled: true,
    });
    assert.ok(patch.status < 300, patch.text);
    assert.equal(pushes.status, 201);
    assert.equal(mainOnly.status, 201);
    const send = (event: string, body: string, id: string) =>
      deliverInbound(source.ingestUrl, body, {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": id,
        "x-hub-signature-256": githubSignature(GITHUB_SECRET, body),
      });
    await send("push", '{"ref":"refs/heads/main"}', "f1");
    await send("push", '{"ref":"refs/heads/dev"}', "f2");
    await send("issues", '{"action":"opened"}', "f3");
    assert.equal(arrivals("/all").length, 3);
    assert.equal(arrivals("/pushes").length, 2);
    assert.deepEqual(
      arrivals("/main-only").map((r) => r.body),
      ['{"ref":"refs/heads/main"}'],
    );
    const shapedBodies = arrivals("/shaped").map((r) => JSON.parse(r.body));
    assert.deepEqual(shapedBodies[0], { branch: "main", event: "push" });
    assert.equal(arrivals("/shaped")[0]!.headers["content-type"], "application/json");
  });

  it("validates sources: unknown types and bad configs are 422s, nothing half-created", async () => {
    const unknown = await h.api("POST", "/ingest/api/v1/source", { name: "x1", type: "carrier-pigeon" });
    assert.equal(unknown.status, 422);
    const noSecret = await h.api("POST", "/ingest/api/v1/source", { name: "x2", type: "stripe", config: {} });
    assert.equal(noSecret.status, 422, noSecret.text);
    assert.match(JSON.stringify(noSecret.body), /secret/);
    const badHeader = await h.api("POST", "/ingest/api/v1/source", {
      name: "x3",
      type: "generic-webhook",
      forwardHeaders: ["authorization"],
    });
    assert.equal(badHeader.status, 422);
    const list = await h.api("GET", "/ingest/api/v1/source?limit=250");
    assert.ok(!list.body.data.some((s: { name: string }) => s.name.startsWith("x")));
  });

  it("manages sources like the Svix Ingest API: uid lookup, upsert, patch, delete", async () => {
    const put = await h.api("PUT", "/ingest/api/v1/source/billing-stripe", {
      name: "Stripe",
      type: "stripe",
      config: { secret: "whsec_test_secret" },
    });
    assert.equal(put.status, 201, put.text);
    assert.equal(put.body.uid, "billing-stripe");
    assert.ok(!JSON.stringify(put.body.config).includes("whsec_test_secret"));
    const byUid = await h.api("GET", "/ingest/api/v1/source/billing-stripe");
    assert.equal(byUid.body.id, put.body.id);
    const patched = await h.api("PATCH", "/ingest/api/v1/source/billing-stripe", { name: "Stripe billing" });
    assert.equal(patched.body.name, "Stripe billing");
    assert.equal(patched.body.ingestUrl, put.body.ingestUrl);
    const dest = await h.api("POST", `/ingest/api/v1/source/${put.body.id}/endpoint`, { url: `${receiver.url}/x` });
    assert.equal(dest.status, 201);
    const dests = await h.api("GET", `/ingest/api/v1/source/${put.body.id}/endpoint`);
    assert.equal(dests.body.data.length, 1);
    assert.equal((await h.api("DELETE", `/ingest/api/v1/source/${put.body.id}`)).status, 204);
    assert.equal((await h.api("GET", `/ingest/api/v1/source/${put.body.id}`)).status, 404);
    assert.equal((await h.api("GET", `/api/v1/app/${put.body.appId}`)).status, 404, "its application went with it");
    const gone = await deliverInbound(put.body.ingestUrl, "{}", { "content-type": "application/json" });
    assert.equal(gone.status, 404);
  });
});
