import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiException, Svix, Webhook } from "svix";
import { Svix as SvixV1 } from "svix-v1";
import { sharedSandbox } from "../src/sandbox/shared-pool.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver, type ReceivedRequest } from "./support/receiver.ts";
import { appWithEndpoint, attempts, destination, sendMessage } from "./support/setup.ts";

/**
 * Svix-style JavaScript transformations end to end: set through the official SDKs (which send
 * only `code`), simulated, and applied to real deliveries (payload, method, URL, cancel), with
 * runaway scripts stopped and recorded while another tenant's deliveries go on.
 */

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
    return error.code;
  }
  assert.fail("expected the call to fail");
}

/** Waits for a delivery to reach a final state (retries included) and returns it. */
async function settled(h: TestHookline, appId: string, msgId: string, endpointId: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { statusText } = await destination(h, appId, msgId, endpointId);
    if (["success", "fail", "canceled"].includes(statusText) || Date.now() > deadline) return statusText;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const RESHAPE = `function handler(webhook) {
  webhook.payload = { invoice: webhook.payload.id, cents: webhook.payload.amount * 100, kind: webhook.eventType };
  return webhook;
}`;

describe("JavaScript transformations", () => {
  let h: TestHookline;
  let receiver: Receiver;
  let svix: Svix;
  const at = (path: string): ReceivedRequest[] => receiver.requests.filter((r) => r.path === path);

  before(async () => {
    // Retries spread over seconds, so a delivery that found the sandbox busy on a loaded machine still arrives.
    h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "0.05,0.5,2,5" }, { pollIntervalMs: 20 });
    // The sandbox processes start on first use; on a loaded machine that can outlast an API call's wait.
    await sharedSandbox().started();
    receiver = await Receiver.start();
    svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("is set, read and refused through the official SDKs, which send no language", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/sdk`);
    await svix.endpoint.transformation.patch(appId, endpointId, { code: RESHAPE, enabled: true });
    const read = await svix.endpoint.transformation.get(appId, endpointId);
    assert.equal(read.code, RESHAPE);
    assert.equal(read.enabled, true);
    const raw = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`);
    assert.equal(raw.body.language, "javascript", "detected from the handler declaration");

    // The v1 SDK's spelling of the same call.
    const v1 = new SvixV1(TEST_TOKEN, { serverUrl: h.url });
    const jsonata = '{"invoice": payload.id}';
    await v1.endpoint.transformationPartialUpdate(appId, endpointId, { code: jsonata, enabled: true });
    assert.equal((await v1.endpoint.transformationGet(appId, endpointId)).code, jsonata);
    const back = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`);
    assert.equal(back.body.language, "jsonata");

    // Code that is not a valid transformation is refused when set, with the reason.
    const broken = statusOf(svix.endpoint.transformation.patch(appId, endpointId, { code: "function handler(w) {" }));
    assert.equal(await broken, 422);
    const noHandler = await h.api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`, {
      code: "function process(w) { return w }",
      language: "javascript",
    });
    assert.equal(noHandler.status, 422, noHandler.text);
    assert.deepEqual(noHandler.body.detail[0].loc, ["body", "code"]);
    assert.match(noHandler.body.detail[0].msg, /must define a function handler/);
    // Naming the language wins over detection; a language alone re-checks the stored code.
    const asJsonata = await h.api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`, {
      language: "javascript",
    });
    assert.equal(asJsonata.status, 422, "the stored JSONata is not JavaScript");
    assert.equal(await statusOf(svix.endpoint.transformation.get(appId, "ep_missing")), 404);
  });

  it("simulates both languages, with method, url and cancel", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/sim`);
    const simulate = (body: Record<string, unknown>) =>
      h.api("POST", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation/simulate`, {
        eventType: "invoice.paid",
        payload: { id: "inv_1", amount: 2 },
        ...body,
      });
    const js = await simulate({ code: RESHAPE });
    assert.equal(js.status, 200, js.text);
    assert.deepEqual(JSON.parse(js.body.payload), { invoice: "inv_1", cents: 200, kind: "invoice.paid" });
    assert.deepEqual([js.body.method, js.body.url, js.body.cancel], ["POST", `${receiver.url}/sim`, false]);

    const moved = await simulate({
      code: "function handler(w) { w.method = 'PUT'; w.url = w.url + '/moved?n=' + w.payload.amount; return w }",
    });
    assert.deepEqual([moved.body.method, moved.body.url], ["PUT", `${receiver.url}/sim/moved?n=2`]);
    const canceled = await simulate({ code: "function handler(w) { w.cancel = w.payload.amount < 10; return w }" });
    assert.equal(canceled.body.cancel, true);

    const jsonata = await simulate({ code: '{"cents": payload.amount * 100}', language: "jsonata" });
    assert.deepEqual([JSON.parse(jsonata.body.payload), jsonata.body.method], [{ cents: 200 }, "POST"]);

    const refused = async (code: string, why: RegExp) => {
      const res = await simulate({ code });
      assert.equal(res.status, 422, res.text);
      assert.match(res.body.detail[0].msg, why);
    };
    await refused("function handler(w) { w.method = 'PATCH'; return w }", /method must be "POST" or "PUT"/);
    await refused("function handler(w) { w.url = 'ftp://files.example.com/x'; return w }", /http or https/);
    await refused("function handler(w) { w.url = 'not a url'; return w }", /not a valid URL/);
    await refused("function handler(w) { while (true) {} }", /stopped/);
    assert.equal(at("/sim").length, 0, "simulate sends nothing");
  });

  it("delivers what the handler returns: payload, PUT, another URL, signed", async () => {
    const { appId, endpointId, secret } = await appWithEndpoint(h, `${receiver.url}/original`);
    await svix.endpoint.transformation.patch(appId, endpointId, {
      enabled: true,
      code: `function handler(webhook) {
        webhook.method = "PUT";
        webhook.url = webhook.url.replace("/original", "/moved/" + webhook.payload.id);
        webhook.payload = { invoice: webhook.payload.id, type: webhook.eventType };
        return webhook;
      }`,
    });
    const msgId = await sendMessage(h, appId, { eventType: "invoice.paid", payload: { id: "inv_7" } });
    assert.equal(await settled(h, appId, msgId, endpointId), "success");
    assert.equal(at("/original").length, 0);
    const [req] = at("/moved/inv_7");
    assert.ok(req, "delivered to the URL the handler chose");
    assert.equal(req.method, "PUT");
    assert.deepEqual(JSON.parse(req.body), { invoice: "inv_7", type: "invoice.paid" });
    new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    const [attempt] = (await attempts(h, appId, msgId)).slice(-1);
    assert.equal(attempt!.url, `${receiver.url}/moved/inv_7`, "the attempt records where it went");
  });

  it("cancels a delivery the handler cancels, and records why", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/cancel`);
    await svix.endpoint.transformation.patch(appId, endpointId, {
      enabled: true,
      code: "function handler(webhook) { webhook.cancel = webhook.payload.test === true; return webhook; }",
    });
    const skipped = await sendMessage(h, appId, { payload: { test: true } });
    const sent = await sendMessage(h, appId, { payload: { test: false } });
    assert.equal(await settled(h, appId, skipped, endpointId), "canceled");
    assert.equal(await settled(h, appId, sent, endpointId), "success");
    const [a] = (await attempts(h, appId, skipped)).slice(-1);
    assert.equal(a!.errorKind, "filtered");
    assert.match(a!.response, /transformation canceled/);
    assert.equal(at("/cancel").length, 1);
  });

  it("refuses at delivery a method other than POST or PUT, and a URL the SSRF guard blocks", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/guarded`);
    const path = `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`;
    await h.api("PATCH", path, { enabled: true, code: "function handler(w) { w.method = 'DELETE'; return w }" });
    const deleted = await sendMessage(h, appId);
    assert.equal(await settled(h, appId, deleted, endpointId), "fail", "a deterministic error is not retried");
    const [methodAttempt] = (await attempts(h, appId, deleted)).slice(-1);
    assert.equal(methodAttempt!.errorKind, "transformation_error");
    assert.match(methodAttempt!.response, /method must be "POST" or "PUT"/);

    // Cloud metadata: outside the allow-listed loopback range the tests use, so refused when connecting.
    await h.api("PATCH", path, {
      code: "function handler(w) { w.url = 'http://169.254.169.254/latest/meta-data/'; return w }",
    });
    const metadata = await sendMessage(h, appId);
    assert.equal(await settled(h, appId, metadata, endpointId), "fail");
    const [blocked] = (await attempts(h, appId, metadata)).slice(-1);
    assert.equal(blocked!.errorKind, "ssrf_blocked");
    assert.equal(blocked!.url, "http://169.254.169.254/latest/meta-data/");
    assert.equal(at("/guarded").length, 0);
  });

  it("stops and records a runaway script while another tenant's deliveries proceed", { timeout: 120_000 }, async () => {
    const hostile = await appWithEndpoint(h, `${receiver.url}/hostile-loop`);
    const hoarding = await h.api("POST", `/api/v1/app/${hostile.appId}/endpoint`, {
      url: `${receiver.url}/hostile-mem`,
    });
    await svix.endpoint.transformation.patch(hostile.appId, hostile.endpointId, {
      enabled: true,
      code: "function handler(webhook) { while (true) {} }",
    });
    await svix.endpoint.transformation.patch(hostile.appId, hoarding.body.id, {
      enabled: true,
      code: "function handler(webhook) { const a = []; for (;;) a.push(new Array(100000).fill(webhook)); }",
    });
    const quiet = await appWithEndpoint(h, `${receiver.url}/quiet`);
    await svix.endpoint.transformation.patch(quiet.appId, quiet.endpointId, { enabled: true, code: RESHAPE });

    const hostileIds: string[] = [];
    const quietIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      hostileIds.push(await sendMessage(h, hostile.appId, { payload: { id: `h${i}`, amount: i } }));
      quietIds.push(
        await sendMessage(h, quiet.appId, { eventType: "invoice.paid", payload: { id: `q${i}`, amount: i } }),
      );
    }
    const deadline = Date.now() + 60_000;
    while (at("/quiet").length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      at("/quiet")
        .map((r) => JSON.parse(r.body).invoice)
        .sort(),
      ["q0", "q1", "q2", "q3", "q4"],
    );
    for (const id of quietIds) assert.equal(await settled(h, quiet.appId, id, quiet.endpointId), "success");
    for (const id of hostileIds) {
      assert.equal(await settled(h, hostile.appId, id, hostile.endpointId), "fail");
      const kinds = new Set((await attempts(h, hostile.appId, id)).map((a) => a.errorKind));
      assert.ok(kinds.size > 0, "each runaway delivery has attempts on record");
      for (const kind of kinds) assert.ok(["transformation_timeout", "transformation_error"].includes(kind!), kind!);
    }
    assert.equal(at("/hostile-loop").length + at("/hostile-mem").length, 0, "nothing was sent for them");
  });
});
