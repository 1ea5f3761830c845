import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { issueToken } from "../src/core/api-tokens.ts";
import { useListenHarness } from "./support/listen-harness.ts";

/**
 * `hookline listen` end to end: a real Hookline, the real CLI binary as a child process, and a
 * real local HTTP server standing in for the developer's code (test/support/listen-harness.ts).
 */
describe("hookline listen: forwarding, signatures, the attempt log, retries and filters", () => {
  const t = useListenHarness();

  it("forwards a message byte for byte with a signature that verifies, and records the local response", async () => {
    const appId = await t.newApp();
    // An application's own token may listen on it.
    const { token, record } = issueToken("app", { appId, name: "listen", now: Date.now(), expiresAt: null });
    await t.h.ctx.store.tokens.insert(record);
    t.receiver.respond(() => ({ status: 202, body: "handled-locally", headers: { "x-local": "yes" } }));
    const p = t.listen([`${t.receiver.url}/local/hooks`, "--app", appId], { HOOKLINE_TOKEN: token });
    const { endpointId, sessionId } = await p.session();

    const endpoint = await t.h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(endpoint.body.url, `hookline-listen://${sessionId}`, "the session is a real endpoint of the app");

    const payload = { invoice: "in_42", amount: 1999, note: "ünïcode" };
    const msgId = await t.send(appId, "invoice.paid", payload);
    const request = await t.arrived(msgId, p);
    assert.equal(request.path, "/local/hooks");
    assert.equal(request.method, "POST");
    assert.equal(request.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(request.body), payload);
    // The independent Standard Webhooks library, with the session endpoint's secret.
    new Webhook(await t.secretOf(appId, endpointId)).verify(request.raw, request.headers as Record<string, string>);

    const [attempt] = await t.attemptsUntil(appId, msgId, (a) => a.length > 0);
    assert.equal(attempt!.responseStatusCode, 202);
    assert.equal(attempt!.response, "handled-locally");
    assert.equal(attempt!.status, 0, "a 2xx from the local server is a successful attempt");
    await p.waitFor(() => /<-- 202 \d+ ms/.test(p.stdout), "the response line");
    assert.match(p.stdout, new RegExp(`--> invoice\\.paid ${msgId}`));
  });

  it("retries when the local server answers 500, as for any endpoint", async () => {
    const appId = await t.newApp();
    const p = t.listen([`${t.receiver.url}/flaky`, "--app", appId]);
    await p.session();
    let calls = 0;
    t.receiver.respond((req) =>
      req.path === "/flaky" && calls++ === 0 ? { status: 500, body: "boom" } : { status: 200 },
    );
    const msgId = await t.send(appId, "invoice.paid");
    const log = await t.attemptsUntil(appId, msgId, (a) => a.some((x) => x.responseStatusCode === 200));
    assert.deepEqual(
      log.map((a) => a.responseStatusCode),
      [500, 200],
    );
    assert.equal(log[0]!.response, "boom");
    assert.equal(t.arrivalsOf(msgId).length, 2);
    await p.waitFor(() => /--> invoice\.paid msg_\S+ \(attempt 2\)/.test(p.stdout), "the retry's line");
  });

  it("forwards only the event types of --events", async () => {
    t.receiver.respond(() => ({ status: 200 }));
    const appId = await t.newApp();
    const p = t.listen([`${t.receiver.url}/filtered`, "--app", appId, "--events", "invoice.*"]);
    const { endpointId } = await p.session();
    const endpoint = await t.h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.deepEqual(endpoint.body.filterTypes, ["invoice.*"]);
    const skipped = await t.send(appId, "user.created");
    const wanted = await t.send(appId, "invoice.voided");
    await t.arrived(wanted, p);
    const planned = await t.h.api("GET", `/api/v1/app/${appId}/msg/${skipped}/endpoint`);
    assert.deepEqual(planned.body.data, [], "user.created was never meant for the session");
    assert.equal(t.arrivalsOf(skipped).length, 0);
    assert.doesNotMatch(p.stdout, /user\.created/);
  });

  it("refuses an --events filter naming an event type that does not exist", async () => {
    const appId = await t.newApp();
    const p = t.listen([`${t.receiver.url}/x`, "--app", appId, "--events", "no.such.type"]);
    const exit = await p.exited;
    assert.equal(exit.code, 5, p.describe());
    assert.match(p.stderr, /no\.such\.type/);
  });
});
