import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { issueToken } from "../src/core/api-tokens.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { CuttableProxy, LISTEN_WAIT_MS, ListenProcess } from "./support/listen-process.ts";
import { Receiver, type ReceivedRequest } from "./support/receiver.ts";
import { waitUntil } from "./support/server-process.ts";
import { attempts } from "./support/setup.ts";

/**
 * `hookline listen` end to end: a real Hookline, the real CLI binary as a child process, and a
 * real local HTTP server standing in for the developer's code. The retry schedule is 1 s then
 * 10 minutes: a delivery the session missed waits for a long while unless something (the session
 * coming back) makes it due, so "it arrived" tells the behaviour apart from the schedule.
 */
describe("hookline listen", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const running: ListenProcess[] = [];
  const homes: string[] = [];

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "1,600,600" });
    for (const name of ["invoice.paid", "invoice.voided", "user.created"]) {
      const res = await h.api("POST", "/api/v1/event-type", { name, description: name });
      assert.equal(res.status, 201, res.text);
    }
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });
  after(async () => {
    await h.close();
    await receiver.close();
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });

  /** A config home of its own per CLI user, so a session memory never leaks between tests. */
  function home(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "hookline-listen-home-"));
    homes.push(dir);
    return dir;
  }

  function listen(args: string[], env: Record<string, string> = {}): ListenProcess {
    const p = ListenProcess.start(args, {
      HOOKLINE_URL: h.url,
      HOOKLINE_TOKEN: TEST_TOKEN,
      XDG_CONFIG_HOME: home(),
      ...env,
    });
    running.push(p);
    return p;
  }

  async function newApp(): Promise<string> {
    const res = await h.api("POST", "/api/v1/app", { name: "Listen test" });
    assert.equal(res.status, 201, res.text);
    return res.body.id;
  }

  async function send(appId: string, eventType: string, payload: unknown = { n: 1 }): Promise<string> {
    const res = await h.api("POST", `/api/v1/app/${appId}/msg`, { eventType, payload });
    assert.equal(res.status, 202, res.text);
    return res.body.id;
  }

  async function secretOf(appId: string, endpointId: string): Promise<string> {
    const res = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`);
    assert.equal(res.status, 200, res.text);
    return res.body.key;
  }

  const arrivalsOf = (msgId: string) => receiver.requests.filter((r) => r.headers["webhook-id"] === msgId);

  async function arrived(msgId: string, p: ListenProcess): Promise<ReceivedRequest> {
    await waitUntil(
      () => arrivalsOf(msgId).length > 0,
      LISTEN_WAIT_MS,
      `${msgId} at the local server\n${p.describe()}`,
    );
    return arrivalsOf(msgId)[0]!;
  }

  async function attemptsUntil(
    appId: string,
    msgId: string,
    check: (a: Awaited<ReturnType<typeof attempts>>) => boolean,
  ) {
    let last: Awaited<ReturnType<typeof attempts>> = [];
    await waitUntil(
      async () => check((last = await attempts(h, appId, msgId))),
      LISTEN_WAIT_MS,
      `the attempts of ${msgId}: ${JSON.stringify(last)}`,
      100,
    );
    return last;
  }

  it("forwards a message byte for byte with a signature that verifies, and records the local response", async () => {
    const appId = await newApp();
    // An application's own token may listen on it.
    const { token, record } = issueToken("app", { appId, name: "listen", now: Date.now(), expiresAt: null });
    await h.ctx.store.tokens.insert(record);
    receiver.respond(() => ({ status: 202, body: "handled-locally", headers: { "x-local": "yes" } }));
    const p = listen([`${receiver.url}/local/hooks`, "--app", appId], { HOOKLINE_TOKEN: token });
    const { endpointId, sessionId } = await p.session();

    const endpoint = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(endpoint.body.url, `hookline-listen://${sessionId}`, "the session is a real endpoint of the app");

    const payload = { invoice: "in_42", amount: 1999, note: "ünïcode" };
    const msgId = await send(appId, "invoice.paid", payload);
    const request = await arrived(msgId, p);
    assert.equal(request.path, "/local/hooks");
    assert.equal(request.method, "POST");
    assert.equal(request.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(request.body), payload);
    // The independent Standard Webhooks library, with the session endpoint's secret.
    new Webhook(await secretOf(appId, endpointId)).verify(request.raw, request.headers as Record<string, string>);

    const [attempt] = await attemptsUntil(appId, msgId, (a) => a.length > 0);
    assert.equal(attempt!.responseStatusCode, 202);
    assert.equal(attempt!.response, "handled-locally");
    assert.equal(attempt!.status, 0, "a 2xx from the local server is a successful attempt");
    await p.waitFor(() => /<-- 202 \d+ ms/.test(p.stdout), "the response line");
    assert.match(p.stdout, new RegExp(`--> invoice\\.paid ${msgId}`));
  });

  it("retries when the local server answers 500, as for any endpoint", async () => {
    const appId = await newApp();
    const p = listen([`${receiver.url}/flaky`, "--app", appId]);
    await p.session();
    let calls = 0;
    receiver.respond((req) =>
      req.path === "/flaky" && calls++ === 0 ? { status: 500, body: "boom" } : { status: 200 },
    );
    const msgId = await send(appId, "invoice.paid");
    const log = await attemptsUntil(appId, msgId, (a) => a.some((x) => x.responseStatusCode === 200));
    assert.deepEqual(
      log.map((a) => a.responseStatusCode),
      [500, 200],
    );
    assert.equal(log[0]!.response, "boom");
    assert.equal(arrivalsOf(msgId).length, 2);
    await p.waitFor(() => /--> invoice\.paid msg_\S+ \(attempt 2\)/.test(p.stdout), "the retry's line");
  });

  it("keeps what arrives while the CLI is killed and delivers it when the CLI runs again", async () => {
    receiver.respond(() => ({ status: 200 }));
    const appId = await newApp();
    const configHome = home();
    const target = `${receiver.url}/restart`;
    const first = listen([target, "--app", appId], { XDG_CONFIG_HOME: configHome });
    const { sessionId, endpointId } = await first.session();
    const before = await send(appId, "invoice.paid");
    await arrived(before, first);

    first.signal("SIGKILL");
    await first.exited;
    const waiting = [await send(appId, "invoice.paid"), await send(appId, "invoice.voided")];
    // Both were attempted while nobody listened: failures, as for an endpoint that is down. After
    // the second, the next retry is 10 minutes away: only the session coming back brings them sooner.
    for (const msgId of waiting) {
      const failed = await attemptsUntil(appId, msgId, (a) => a.length >= 2);
      assert.deepEqual(
        failed.map((a) => a.responseStatusCode),
        [0, 0],
      );
      assert.match(failed[0]!.response, /not connected/);
    }

    // The same command again resumes the session (the CLI remembers it per server, app and URL).
    const second = listen([target, "--app", appId], { XDG_CONFIG_HOME: configHome });
    const resumed = await second.session();
    assert.deepEqual(resumed, { sessionId, endpointId, resumed: true });
    for (const msgId of waiting) await arrived(msgId, second);
    for (const msgId of waiting) {
      const log = await attemptsUntil(appId, msgId, (a) => a.some((x) => x.responseStatusCode === 200));
      assert.equal(log.at(-1)!.responseStatusCode, 200);
    }
    const endpoints = await h.api("GET", `/api/v1/app/${appId}/endpoint`);
    assert.equal(endpoints.body.data.length, 1, "no second endpoint was created");
  });

  it("reconnects after a network drop and delivers what was sent meanwhile", async () => {
    receiver.respond(() => ({ status: 200 }));
    const proxy = await CuttableProxy.start(h.url);
    try {
      const appId = await newApp();
      const p = listen([`${receiver.url}/drop`, "--app", appId], { HOOKLINE_URL: proxy.url });
      const { sessionId } = await p.session();
      await proxy.cut();
      await waitUntil(
        () => !h.ctx.listenSessions!.isConnected(sessionId),
        LISTEN_WAIT_MS,
        "the server to see the drop",
      );
      const msgId = await send(appId, "invoice.paid");
      // Two failed attempts: the next retry is 10 minutes away, so the reconnect must bring it.
      await attemptsUntil(appId, msgId, (a) => a.length >= 2);
      await proxy.restore();
      await arrived(msgId, p);
      assert.match(p.stderr, /reconnecting in/);
      assert.match(p.stderr, /resumed session/, "the same session came back");
    } finally {
      await proxy.close();
    }
  });

  it("forwards only the event types of --events", async () => {
    receiver.respond(() => ({ status: 200 }));
    const appId = await newApp();
    const p = listen([`${receiver.url}/filtered`, "--app", appId, "--events", "invoice.*"]);
    const { endpointId } = await p.session();
    const endpoint = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.deepEqual(endpoint.body.filterTypes, ["invoice.*"]);
    const skipped = await send(appId, "user.created");
    const wanted = await send(appId, "invoice.voided");
    await arrived(wanted, p);
    const planned = await h.api("GET", `/api/v1/app/${appId}/msg/${skipped}/endpoint`);
    assert.deepEqual(planned.body.data, [], "user.created was never meant for the session");
    assert.equal(arrivalsOf(skipped).length, 0);
    assert.doesNotMatch(p.stdout, /user\.created/);
  });

  it("refuses an --events filter naming an event type that does not exist", async () => {
    const appId = await newApp();
    const p = listen([`${receiver.url}/x`, "--app", appId, "--events", "no.such.type"]);
    const exit = await p.exited;
    assert.equal(exit.code, 5, p.describe());
    assert.match(p.stderr, /no\.such\.type/);
  });

  it("forwards what an inbound source receives (--source)", async () => {
    receiver.respond(() => ({ status: 200 }));
    const githubSecret = "listen-github-secret";
    const source = await h.api("POST", "/ingest/api/v1/source", {
      name: "GitHub",
      type: "github",
      config: { secret: githubSecret },
    });
    assert.equal(source.status, 201, source.text);
    const p = listen([`${receiver.url}/github`, "--source", source.body.id]);
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
      () => receiver.requests.some((r) => r.path === "/github"),
      LISTEN_WAIT_MS,
      `the GitHub webhook at the local server\n${p.describe()}`,
    );
    const forwarded = receiver.requests.find((r) => r.path === "/github")!;
    assert.equal(forwarded.body, body, "byte for byte");
    assert.equal(forwarded.headers["x-github-event"], "ping");
    const secret = await h.api("GET", `/ingest/api/v1/source/${source.body.id}/endpoint/${endpointId}/secret`);
    new Webhook(secret.body.key).verify(forwarded.raw, forwarded.headers as Record<string, string>);
    await p.waitFor(() => /--> ping msg_/.test(p.stdout), "the delivery line");
  });

  it("ends the session cleanly on Ctrl-C: exit 0, its endpoint disabled", async () => {
    receiver.respond(() => ({ status: 200 }));
    const appId = await newApp();
    const p = listen([`${receiver.url}/ctrl-c`, "--app", appId]);
    const { endpointId, sessionId } = await p.session();
    p.signal("SIGINT");
    const exit = await p.exited;
    assert.equal(exit.code, 0, p.describe());
    const endpoint = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(endpoint.body.disabled, true, "nothing more is queued for an ended session");
    assert.equal(h.ctx.listenSessions!.isConnected(sessionId), false);
  });

  it("refuses a wrong token (exit 3) and another application's token (exit 4)", async () => {
    const appId = await newApp();
    const wrong = listen([`${receiver.url}/x`, "--app", appId], {
      HOOKLINE_TOKEN: "hk_app_not_a_real_token_at_all_0000",
    });
    assert.equal((await wrong.exited).code, 3, wrong.describe());
    assert.match(wrong.stderr, /401/);

    const otherApp = await newApp();
    const { token, record } = issueToken("app", { appId: otherApp, name: "other", now: Date.now(), expiresAt: null });
    await h.ctx.store.tokens.insert(record);
    const foreign = listen([`${receiver.url}/x`, "--app", appId], { HOOKLINE_TOKEN: token });
    assert.equal((await foreign.exited).code, 4, foreign.describe());
    const endpoints = await h.api("GET", `/api/v1/app/${appId}/endpoint`);
    assert.deepEqual(endpoints.body.data, [], "no session was opened");
  });
});
