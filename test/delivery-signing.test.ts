import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { secretKey, signV1 } from "../src/core/signing.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

describe("Standard Webhooks signing", () => {
  let h: TestHookline;
  let receiver: Receiver;
  before(async () => {
    h = await startTestHookline();
    receiver = await Receiver.start();
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("matches the specification's published test vector", () => {
    const signature = signV1(
      secretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    assert.equal(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("delivers a body that verifies with the standardwebhooks library, under webhook-* and svix-* names", async () => {
    const { appId, secret } = await appWithEndpoint(h, `${receiver.url}/hook`);
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
    assert.ok(secretKey(secret).length >= 24, "secret has at least 24 random bytes");
    const payload = { invoice: "in_1", amount: 1250, note: 'Grüße €, "quoted"', nested: { list: [1, 2, 3] } };
    const msgId = await sendMessage(h, appId, { eventType: "invoice.paid", payload });
    await receiver.waitFor(1);
    const req = receiver.requests[0]!;
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers["webhook-id"], msgId);
    assert.equal(req.headers["svix-id"], msgId);
    assert.match(String(req.headers["webhook-timestamp"]), /^\d{10}$/);
    assert.equal(req.headers["svix-timestamp"], req.headers["webhook-timestamp"]);
    assert.equal(req.headers["svix-signature"], req.headers["webhook-signature"]);
    assert.deepEqual(JSON.parse(req.body), payload);
    const verified = new Webhook(secret).verify(req.body, {
      "webhook-id": String(req.headers["webhook-id"]),
      "webhook-timestamp": String(req.headers["webhook-timestamp"]),
      "webhook-signature": String(req.headers["webhook-signature"]),
    });
    assert.deepEqual(verified, payload);
    // A receiver using the wrong secret must fail, or the check above proves nothing.
    assert.throws(() =>
      new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(req.body, {
        "webhook-id": String(req.headers["webhook-id"]),
        "webhook-timestamp": String(req.headers["webhook-timestamp"]),
        "webhook-signature": String(req.headers["webhook-signature"]),
      }),
    );
  });

  it("signs with a user-supplied secret and sends the endpoint's custom headers", async () => {
    const mine = "whsec_" + Buffer.alloc(32, 7).toString("base64");
    const { appId } = await appWithEndpoint(h, `${receiver.url}/custom`, {
      secret: mine,
      headers: { "X-Tenant": "acme", "User-Agent": "acme-hooks" },
    });
    const before = receiver.requests.length;
    await sendMessage(h, appId, { payload: { ok: true } });
    await receiver.waitFor(before + 1);
    const req = receiver.requests[before]!;
    assert.equal(req.headers["x-tenant"], "acme");
    assert.equal(req.headers["user-agent"], "acme-hooks");
    new Webhook(mine).verify(req.body, req.headers as Record<string, string>);
  });

  it("signs with every secret still in a grace period after rotation, and drops one rotated without grace", async () => {
    const { appId, endpointId, secret: oldSecret } = await appWithEndpoint(h, `${receiver.url}/rotate`);
    const rotate = await h.api("POST", `/api/v1/app/${appId}/endpoint/${endpointId}/secret/rotate`, {});
    assert.equal(rotate.status, 204, rotate.text);
    const newSecret = (await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`)).body.key;
    assert.notEqual(newSecret, oldSecret);

    let n = receiver.requests.length;
    await sendMessage(h, appId);
    await receiver.waitFor(n + 1);
    let req = receiver.requests[n]!;
    assert.equal(String(req.headers["webhook-signature"]).split(" ").length, 2);
    new Webhook(oldSecret).verify(req.body, req.headers as Record<string, string>);
    new Webhook(newSecret).verify(req.body, req.headers as Record<string, string>);

    const noGrace = await h.api("POST", `/api/v1/app/${appId}/endpoint/${endpointId}/secret/rotate`, {
      gracePeriodSeconds: 0,
    });
    assert.equal(noGrace.status, 204);
    const newest = (await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`)).body.key;
    n = receiver.requests.length;
    await sendMessage(h, appId);
    await receiver.waitFor(n + 1);
    req = receiver.requests[n]!;
    // The first rotation's grace period (24 h) still covers the original secret; the second had none.
    const entries = String(req.headers["webhook-signature"]).split(" ");
    assert.equal(entries.length, 2);
    new Webhook(newest).verify(req.body, req.headers as Record<string, string>);
    new Webhook(oldSecret).verify(req.body, req.headers as Record<string, string>);
    assert.throws(() => new Webhook(newSecret).verify(req.body, req.headers as Record<string, string>));
  });

  it("routes by event-type filter and channels", async () => {
    // An endpoint's filter may only name event types that exist.
    await h.api("POST", "/api/v1/event-type", { name: "user.created", description: "A user signed up" });
    const { appId } = await appWithEndpoint(h, `${receiver.url}/filtered`, {
      filterTypes: ["user.created"],
      channels: ["eu"],
    });
    const n = receiver.requests.length;
    await sendMessage(h, appId, { eventType: "user.deleted", channels: ["eu"] });
    await sendMessage(h, appId, { eventType: "user.created", channels: ["us"] });
    await sendMessage(h, appId, { eventType: "user.created" });
    const wanted = await sendMessage(h, appId, { eventType: "user.created", channels: ["us", "eu"] });
    await h.dispatcher.idle();
    const got = receiver.requests.slice(n).filter((r) => r.path === "/filtered");
    assert.deepEqual(
      got.map((r) => r.headers["webhook-id"]),
      [wanted],
    );
  });
});
