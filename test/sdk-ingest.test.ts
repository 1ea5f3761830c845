import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Svix, Webhook } from "svix";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";

/**
 * The official svix SDK (v2) drives Hookline's inbound side through its `ingest` namespace,
 * unchanged but for `serverUrl`: sources, destinations, their secrets, headers and
 * transformations, token rotation. Then a signed GitHub delivery goes through the ingest URL
 * and the SDK's own Webhook class verifies what the destination received.
 */
describe("svix SDK v2: the Ingest API against Hookline", () => {
  let hookline: TestHookline;
  let receiver: Receiver;
  let svix: Svix;

  before(async () => {
    hookline = await startTestHookline({}, { pollIntervalMs: 20 });
    receiver = await Receiver.start();
    svix = new Svix(TEST_TOKEN, { serverUrl: hookline.url });
  });
  after(async () => {
    await hookline?.close();
    await receiver?.close();
  });

  test("sources, destinations and a verified forward", async () => {
    const source = await svix.ingest.source.create({
      name: "GitHub org hooks",
      uid: "github-org",
      type: "github",
      config: { secret: "gh-secret" },
      metadata: { team: "platform" },
    });
    assert.match(source.id, /^src_/);
    assert.equal(source.type, "github");
    assert.ok(source.ingestUrl?.includes(`/in/${source.id}/`));
    assert.equal((await svix.ingest.source.get("github-org")).id, source.id);
    const listed = await svix.ingest.source.list({ limit: 10 });
    assert.ok(listed.data.some((s) => s.id === source.id));
    const upserted = await svix.ingest.source.upsert("github-org", {
      name: "GitHub org webhooks",
      type: "github",
      config: { secret: "gh-secret" },
    });
    assert.equal(upserted.id, source.id);
    assert.equal(upserted.name, "GitHub org webhooks");

    const endpoint = await svix.ingest.endpoint.create(source.id, {
      url: `${receiver.url}/internal`,
      description: "CI service",
      uid: "ci",
    });
    assert.equal((await svix.ingest.endpoint.get(source.id, "ci")).id, endpoint.id);
    assert.equal((await svix.ingest.endpoint.list(source.id)).data.length, 1);
    await svix.ingest.endpoint.setHeaders(source.id, endpoint.id, { headers: { "x-team": "platform" } });
    assert.deepEqual((await svix.ingest.endpoint.getHeaders(source.id, endpoint.id)).headers, {
      "x-team": "platform",
    });
    await svix.ingest.endpoint.rotateSecret(source.id, endpoint.id, {});
    const { key } = await svix.ingest.endpoint.getSecret(source.id, endpoint.id);
    await svix.ingest.endpoint.transformation.patch(source.id, endpoint.id, {
      code: '{"repository": payload.repository.full_name}',
      enabled: false,
    });
    const transformation = await svix.ingest.endpoint.transformation.get(source.id, endpoint.id);
    assert.equal(transformation.enabled, false);

    const rotated = await svix.ingest.source.rotateToken(source.id);
    assert.notEqual(rotated.ingestUrl, source.ingestUrl);

    const body = '{"action":"completed","repository":{"full_name":"acme/api"}}';
    const res = await fetch(rotated.ingestUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "workflow_run",
        "x-github-delivery": "5f1c2f00-0000-4000-8000-000000000001",
        "x-hub-signature-256": `sha256=${createHmac("sha256", "gh-secret").update(body).digest("hex")}`,
      },
      body,
    });
    assert.equal(res.status, 200);
    await receiver.waitFor(1);
    const [forward] = receiver.requests;
    assert.equal(forward!.body, body);
    assert.equal(forward!.headers["x-team"], "platform");
    assert.equal(forward!.headers["x-github-event"], "workflow_run");
    // svix 2.x's verify throws on a bad signature and returns nothing on a good one.
    new Webhook(key).verify(forward!.body, forward!.headers as Record<string, string>);

    await svix.ingest.endpoint.delete(source.id, endpoint.id);
    await svix.ingest.source.delete(source.id);
    await assert.rejects(svix.ingest.source.get(source.id), (e: { code?: number }) => e.code === 404);
  });
});
