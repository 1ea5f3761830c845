import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { databaseDump } from "./support/database-dump.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

/** Calls the API with a given bearer token (or none). */
async function as(h: TestHookline, token: string | null, method: string, p: string, body?: unknown) {
  const res = await fetch(h.url + p, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

describe("tokens and tenancy", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock();
  let victim: { appId: string; endpointId: string; msgId: string; attemptId: string; taskId: string };
  let attackerToken: string;
  let attackerAppId: string;

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({}, { clock });
    const v = await appWithEndpoint(h, `${receiver.url}/victim`);
    const msgId = await sendMessage(h, v.appId, { payload: { secret: "victim data" } });
    await h.dispatcher.idle();
    const attempts = await h.api("GET", `/api/v1/app/${v.appId}/attempt/msg/${msgId}`);
    const since = new Date(clock.now() - 60_000).toISOString();
    const task = await h.api("POST", `/api/v1/app/${v.appId}/endpoint/${v.endpointId}/recover`, { since });
    assert.equal(task.status, 202, task.text);
    for (let i = 0; (await h.api("GET", `/api/v1/background-task/${task.body.id}`)).body.status === "running"; i++) {
      assert.ok(i < 2000, "the victim's task never finished");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    victim = {
      appId: v.appId,
      endpointId: v.endpointId,
      msgId,
      attemptId: attempts.body.data[0].id,
      taskId: task.body.id,
    };
    const attacker = await appWithEndpoint(h, `${receiver.url}/attacker`);
    const access = await h.api("POST", `/api/v1/auth/app-portal-access/${attacker.appId}`, {});
    assert.equal(access.status, 200, access.text);
    attackerToken = access.body.token;
    attackerAppId = attacker.appId;
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("gives an app portal token its own application's endpoints, messages and attempts, and nothing else", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/portal`);
    const access = await h.api("POST", `/api/v1/auth/app-portal-access/${appId}`, { expiry: 3600 });
    assert.match(access.body.url, /^http:\/\/127\.0\.0\.1:\d+\/portal\/app\/app_\w+\/#token=hk_app_/);
    const token = access.body.token as string;
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();

    assert.equal((await as(h, token, "GET", `/api/v1/app/${appId}`)).status, 200);
    const created = await as(h, token, "POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/mine` });
    assert.equal(created.status, 201, created.text);
    assert.equal(
      (await as(h, token, "PATCH", `/api/v1/app/${appId}/endpoint/${created.body.id}`, { description: "x" })).status,
      200,
    );
    assert.equal((await as(h, token, "GET", `/api/v1/app/${appId}/endpoint/${created.body.id}/secret`)).status, 200);
    assert.equal((await as(h, token, "GET", `/api/v1/app/${appId}/msg/${msgId}`)).status, 200);
    assert.equal((await as(h, token, "GET", `/api/v1/app/${appId}/attempt/msg/${msgId}`)).status, 200);

    // Not its business: sending, other applications, global configuration, tokens, the audit log.
    assert.equal((await as(h, token, "POST", `/api/v1/app/${appId}/msg`, { eventType: "a", payload: {} })).status, 403);
    assert.equal((await as(h, token, "GET", "/api/v1/app")).status, 403);
    assert.equal((await as(h, token, "POST", "/api/v1/event-type", { name: "x", description: "" })).status, 403);
    assert.equal((await as(h, token, "GET", "/api/v1/event-type")).status, 200, "the catalog is readable");
    assert.equal((await as(h, token, "POST", "/api/v1/auth/token", {})).status, 403);
    assert.equal((await as(h, token, "GET", "/api/v1/audit-log")).status, 403);
    assert.equal((await as(h, token, "DELETE", `/api/v1/app/${appId}`)).status, 403);

    // Expiry: an hour later it no longer works.
    clock.advance(3601_000);
    const expired = await as(h, token, "GET", `/api/v1/app/${appId}`);
    assert.equal(expired.status, 401);
    assert.match(expired.body.detail, /expired/);
  });

  it("walks every route with another application's token and never reaches the victim's data", async () => {
    const document = (await h.api("GET", "/api/v1/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const before = await databaseDump(h);
    let checked = 0;
    for (const [template, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
        const p = template
          .replace("{app_id}", victim.appId)
          .replace("{endpoint_id}", victim.endpointId)
          .replace("{msg_id}", victim.msgId)
          .replace("{attempt_id}", victim.attemptId)
          .replace("{event_type_name}", "test.event")
          .replace("{token_id}", "tok_0000000000000000000000000000")
          .replace("{task_id}", victim.taskId);
        // Health is public, and logout would only revoke the attacker's own token.
        if (p.startsWith("/api/v1/health") || p === "/api/v1/auth/logout") continue;
        const body = ["post", "put", "patch"].includes(method) ? {} : undefined;
        const res = await as(h, attackerToken, method.toUpperCase(), p, body);
        // The event-type catalog is global and readable by every application (api/event-catalog-access.ts).
        const catalogRead = method === "get" && template.startsWith("/api/v1/event-type");
        // The caller's own session, and the one public portal setting (docs/portal.md): neither is the victim's data.
        const ownOrPublic =
          method === "get" && (p === "/api/v1/auth/portal-session" || template.startsWith("/api/v1/portal/"));
        if (p === "/api/v1/auth/portal-session") assert.equal(res.body?.appId, attackerAppId, res.text);
        // The list of background tasks shows a token its own application's tasks: none here.
        const ownTasks = method === "get" && p === "/api/v1/background-task";
        if (ownTasks) assert.deepEqual(res.body?.data, [], res.text);
        assert.ok(
          [401, 403, 404].includes(res.status) || ((catalogRead || ownOrPublic || ownTasks) && res.status === 200),
          `${method.toUpperCase()} ${p} answered ${res.status}: ${res.text}`,
        );
        assert.ok(!res.text.includes("victim data"), `${method.toUpperCase()} ${p} leaked the victim's payload`);
        checked++;
      }
    }
    assert.ok(checked >= 40, `walked ${checked} routes`);
    assert.ok((await databaseDump(h)) === before, "nothing changed in the store");
  });

  it("creates, uses, lists and revokes admin tokens; logout revokes the caller's token", async () => {
    const created = await h.api("POST", "/api/v1/auth/token", { name: "ci" });
    assert.equal(created.status, 201, created.text);
    const token = created.body.token as string;
    assert.equal((await as(h, token, "GET", "/api/v1/app")).status, 200);
    const listed = await h.api("GET", "/api/v1/auth/token");
    const entry = listed.body.data.find((t: { id: string }) => t.id === created.body.id);
    assert.equal(entry.name, "ci");
    assert.equal(entry.token, undefined, "tokens are never listed");
    assert.ok(!(await databaseDump(h)).includes(token), "only a hash of the token is stored");
    assert.equal((await h.api("DELETE", `/api/v1/auth/token/${created.body.id}`)).status, 204);
    assert.equal((await as(h, token, "GET", "/api/v1/app")).status, 401);

    const portal = await h.api("POST", `/api/v1/auth/app-portal-access/${victim.appId}`, {});
    assert.equal((await as(h, portal.body.token, "POST", "/api/v1/auth/logout")).status, 204);
    assert.equal((await as(h, portal.body.token, "GET", `/api/v1/app/${victim.appId}`)).status, 401);
    assert.equal((await as(h, null, "GET", "/api/v1/app")).status, 401);
    assert.equal((await as(h, "hk_admin_guessed", "GET", "/api/v1/app")).status, 401);
  });

  it("records configuration changes in the audit log, with who made them", async () => {
    const created = await h.api("POST", "/api/v1/auth/token", { name: "auditor" });
    const token = created.body.token as string;
    const app = await as(h, token, "POST", "/api/v1/app", { name: "audited" });
    const ep = await as(h, token, "POST", `/api/v1/app/${app.body.id}/endpoint`, { url: `${receiver.url}/a` });
    await as(h, token, "POST", `/api/v1/app/${app.body.id}/endpoint/${ep.body.id}/secret/rotate`, {});
    await as(h, token, "POST", `/api/v1/app/${app.body.id}/msg`, { eventType: "a.b", payload: {} });
    const log = await h.api("GET", `/api/v1/audit-log?app_id=${app.body.id}`);
    assert.equal(log.status, 200, log.text);
    const actions = (log.body.data as { actor: string; action: string }[]).map((e) => [e.actor, e.action]);
    assert.deepEqual(actions, [
      [created.body.id, "POST /api/v1/app/:app_id/endpoint/:endpoint_id/secret/rotate"],
      [created.body.id, "POST /api/v1/app/:app_id/endpoint"],
    ]);
    assert.ok(!JSON.stringify(log.body).includes("whsec_"), "no secrets in the audit log");
  });
});

describe("secrets at rest and ed25519 signing", () => {
  it("encrypts endpoint secrets under the master key and refuses to start with another key", async () => {
    const h = await startTestHookline();
    const secret = "whsec_" + Buffer.alloc(32, 9).toString("base64");
    let dataDir = h.dataDir;
    try {
      const { appId, endpointId } = await appWithEndpoint(h, "http://127.0.0.1:9/never", { secret });
      await h.api("POST", `/api/v1/app/${appId}/endpoint/${endpointId}/secret/rotate`, {});
      assert.equal(
        (await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`)).body.key === secret,
        false,
      );
      const dump = await databaseDump(h);
      assert.ok(!dump.includes(secret.slice(6)), "the secret's bytes are not in the database");
      assert.ok(dump.includes("enc:v1:"), "sealed values are there instead");
      if (!h.ctx.config.databaseUrl) {
        assert.equal(statSync(path.join(h.dataDir, "master-key")).mode & 0o777, 0o600);
      }
      dataDir = h.dataDir;
    } finally {
      await h.stop();
    }
    // Same store, different key: refused at start-up, before anything is read with the wrong key.
    await assert.rejects(
      startTestHookline({ HOOKLINE_MASTER_KEY: Buffer.alloc(32, 1).toString("base64") }, { dataDir }),
      /master key/,
    );
  });

  it("signs with ed25519 (v1a) and hands out only the public key", async () => {
    const h = await startTestHookline();
    const receiver = await Receiver.start();
    try {
      const { appId, secret } = await appWithEndpoint(h, `${receiver.url}/ed`, { signingScheme: "ed25519" });
      assert.match(secret, /^whpk_/);
      const msgId = await sendMessage(h, appId, { payload: { signed: "asymmetrically" } });
      await receiver.waitFor(1);
      const req = receiver.requests[0]!;
      const [scheme, signature] = String(req.headers["webhook-signature"]).split(",");
      assert.equal(scheme, "v1a");
      const publicKey = createPublicKey({
        key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(secret.slice(5), "base64")]),
        format: "der",
        type: "spki",
      });
      const signed = Buffer.from(`${msgId}.${req.headers["webhook-timestamp"]}.${req.body}`);
      assert.ok(verify(null, signed, publicKey, Buffer.from(signature!, "base64")), "verifies with the public key");
      assert.ok(!verify(null, Buffer.from(signed + "x"), publicKey, Buffer.from(signature!, "base64")));
    } finally {
      await h.close();
      await receiver.close();
    }
  });

  it("limits each token's request rate with 429 and Retry-After", async () => {
    const h = await startTestHookline({ HOOKLINE_API_RATE_LIMIT: "5" });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 8; i++) {
        const res = await h.api("GET", "/api/v1/app");
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get("retry-after");
      }
      assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
      assert.ok(statuses.slice(5).includes(429), `statuses ${statuses}`);
      assert.ok(Number(retryAfter) >= 1);
      // Another token has its own budget.
      const other = await fetch(h.url + "/api/v1/health");
      assert.equal(other.status, 204, "health is never limited");
    } finally {
      await h.close();
    }
  });
});
