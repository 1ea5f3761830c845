import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { issueToken } from "../src/core/api-tokens.ts";
import { LISTEN_WAIT_MS } from "./support/listen-process.ts";
import { useListenHarness } from "./support/listen-harness.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * `hookline listen` for inbound sources, its clean end on Ctrl-C, and the tokens it accepts
 * (test/support/listen-harness.ts).
 */
describe("hookline listen: inbound sources, Ctrl-C and who may listen", () => {
  const t = useListenHarness();

  it("forwards what an inbound source receives (--source)", async () => {
    t.receiver.respond(() => ({ status: 200 }));
    const githubSecret = "listen-github-secret";
    const source = await t.h.api("POST", "/ingest/api/v1/source", {
      name: "GitHub",
      type: "github",
      config: { secret: githubSecret },
    });
    assert.equal(source.status, 201, source.text);
    const p = t.listen([`${t.receiver.url}/github`, "--source", source.body.id]);
    const { endpointId } = await p.session();
    const body = '{"zen":"Keep it logically awesome.",  "hook_id": 7}';
    const res = await fetch(source.body.ingestUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": "1f7c0b2e-0000-4000-8000-000000000001",
        "x-hub-signature-256": `sha256=${createHmac("sha256", githubSecret).update(body).digest("hex")}`,
      },
      body,
    });
    assert.equal(res.status, 200, await res.text());
    await waitUntil(
      () => t.receiver.requests.some((r) => r.path === "/github"),
      LISTEN_WAIT_MS,
      `the GitHub webhook at the local server\n${p.describe()}`,
    );
    const forwarded = t.receiver.requests.find((r) => r.path === "/github")!;
    assert.equal(forwarded.body, body, "byte for byte");
    assert.equal(forwarded.headers["x-github-event"], "ping");
    const secret = await t.h.api("GET", `/ingest/api/v1/source/${source.body.id}/endpoint/${endpointId}/secret`);
    new Webhook(secret.body.key).verify(forwarded.raw, forwarded.headers as Record<string, string>);
    await p.waitFor(() => /--> ping msg_/.test(p.stdout), "the delivery line");
  });

  it("ends the session cleanly on Ctrl-C: exit 0, its endpoint disabled", async () => {
    t.receiver.respond(() => ({ status: 200 }));
    const appId = await t.newApp();
    const p = t.listen([`${t.receiver.url}/ctrl-c`, "--app", appId]);
    const { endpointId, sessionId } = await p.session();
    p.signal("SIGINT");
    const exit = await p.exited;
    assert.equal(exit.code, 0, p.describe());
    const endpoint = await t.h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(endpoint.body.disabled, true, "nothing more is queued for an ended session");
    assert.equal(t.h.ctx.listenSessions!.isConnected(sessionId), false);
  });

  it("refuses a wrong token (exit 3) and another application's token (exit 4)", async () => {
    const appId = await t.newApp();
    const wrong = t.listen([`${t.receiver.url}/x`, "--app", appId], {
      HOOKLINE_TOKEN: "hk_app_not_a_real_token_at_all_0000",
    });
    assert.equal((await wrong.exited).code, 3, wrong.describe());
    assert.match(wrong.stderr, /401/);

    const otherApp = await t.newApp();
    const { token, record } = issueToken("app", { appId: otherApp, name: "other", now: Date.now(), expiresAt: null });
    await t.h.ctx.store.tokens.insert(record);
    const foreign = t.listen([`${t.receiver.url}/x`, "--app", appId], { HOOKLINE_TOKEN: token });
    assert.equal((await foreign.exited).code, 4, foreign.describe());
    const endpoints = await t.h.api("GET", `/api/v1/app/${appId}/endpoint`);
    assert.deepEqual(endpoints.body.data, [], "no session was opened");
  });
});
