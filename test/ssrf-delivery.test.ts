import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, attempts, destination, sendMessage, storeEndpointUrl } from "./support/setup.ts";

/**
 * SSRF protection end to end: a server whose allow-list does not cover loopback never contacts a
 * receiver on 127.0.0.1, however its URL spells the address; with the range allowed, the same
 * receiver is reached. Every connection these tests make stays on loopback.
 */
describe("SSRF protection in delivery", () => {
  const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  let receiver: Receiver;
  let port: number;
  let guarded: TestHookline;
  let allowing: TestHookline;
  /** The guarded server's own log (the operator's view). */
  const operatorLog: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) operatorLog.push(JSON.parse(line));
      done();
    },
  });

  async function advance(h: TestHookline, ms: number) {
    clock.advance(ms);
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
  }

  before(async () => {
    receiver = await Receiver.start();
    port = Number(new URL(receiver.url).port);
    const env = { HOOKLINE_RETRY_SCHEDULE: "5,5,5", HOOKLINE_ENDPOINT_DISABLE_AFTER: "1" };
    // The test helper allows 127.0.0.0/8 by default; an empty value restores the real default.
    guarded = await startTestHookline(
      { ...env, HOOKLINE_ALLOW_PRIVATE_NETWORKS: "" },
      { clock, pollIntervalMs: 3_600_000, logger: pino({ level: "warn", base: undefined }, sink) },
    );
    allowing = await startTestHookline(
      { ...env, HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8,::1/128" },
      { clock, pollIntervalMs: 3_600_000 },
    );
  });
  after(async () => {
    await guarded?.close();
    await allowing?.close();
    await receiver?.close();
  });

  const spellings = () => [
    receiver.url,
    `http://localhost:${port}`,
    `http://[::1]:${port}`,
    `http://127.1:${port}`,
    `http://2130706433:${port}`,
    `http://0x7f.0.0.1:${port}`,
    `http://[::ffff:127.0.0.1]:${port}`,
    `http://0.0.0.0:${port}`,
  ];

  it("refuses a loopback receiver's URL as the endpoint is created, replaced or patched, whatever the spelling", async () => {
    const app = await guarded.api("POST", "/api/v1/app", { name: "refused at create" });
    const base = `/api/v1/app/${app.body.id}/endpoint`;
    // A name that cannot resolve is accepted (it may be set up later; delivery checks again).
    const created = await guarded.api("POST", base, { url: "http://hookline-test.invalid/hook" });
    assert.equal(created.status, 201, created.text);
    const endpoint = `${base}/${created.body.id}`;
    for (const spelling of spellings()) {
      const url = `${spelling}/hook`;
      for (const [method, path] of [
        ["POST", base],
        ["PUT", endpoint],
        ["PATCH", endpoint],
      ] as const) {
        const res = await guarded.api(method, path, { url });
        assert.equal(res.status, 422, `${method} ${url}: ${res.text}`);
        const [problem] = res.body.detail;
        assert.deepEqual(problem.loc, ["body", "url"]);
        assert.equal(problem.type, "ssrf_blocked");
        assert.match(problem.msg, /delivery would refuse/, url);
        assert.match(problem.msg, /HOOKLINE_ALLOW_PRIVATE_NETWORKS/, url);
      }
    }
    // An address names its kind and the allow-list entry that would open it; a name gives only the kind.
    const literal = await guarded.api("POST", base, { url: `http://127.0.0.1:${port}/x` });
    assert.match(literal.body.detail[0].msg, new RegExp(`127\\.0\\.0\\.1 \\(loopback\\).*127\\.0\\.0\\.1:${port}`));
    const metadata = await guarded.api("POST", base, { url: "http://169.254.169.254/latest/meta-data/" });
    assert.match(metadata.body.detail[0].msg, /169\.254\.169\.254 \(linkLocal\)/);
    const named = await guarded.api("POST", base, { url: `http://localhost:${port}/x` });
    assert.match(named.body.detail[0].msg, /localhost: it resolves to a loopback address/);
    assert.doesNotMatch(named.body.detail[0].msg, /127\.0\.0\.1|::1/, "a name's address is not shown to the tenant");
    // An inbound source's destinations are endpoints too.
    const source = await guarded.api("POST", "/ingest/api/v1/source", { name: "GitHub", type: "github" });
    assert.equal(source.status, 201, source.text);
    const destination = await guarded.api("POST", `/ingest/api/v1/source/${source.body.id}/endpoint`, {
      url: `http://127.0.0.1:${port}/forward`,
    });
    assert.equal(destination.status, 422, destination.text);
    assert.equal(destination.body.detail[0].type, "ssrf_blocked");
    // Nothing was stored or changed.
    const list = await guarded.api("GET", base);
    assert.deepEqual(
      list.body.data.map((e: { url: string }) => e.url),
      ["http://hookline-test.invalid/hook"],
    );
  });

  it("never contacts a loopback receiver: each attempt is ssrf_blocked and the delivery fails without retries", async () => {
    for (const base of spellings()) {
      const url = `${base}/hook`;
      // The API refuses such a URL; one stored earlier (or resolving elsewhere by now) meets delivery's own check.
      const { appId, endpointId } = await appWithEndpoint(guarded, "http://hookline-test.invalid/hook");
      await storeEndpointUrl(guarded, appId, endpointId, url);
      const msgId = await sendMessage(guarded, appId);
      await guarded.dispatcher.idle();

      const state = await destination(guarded, appId, msgId, endpointId);
      assert.equal(state.statusText, "fail", `${url} fails at once`);
      assert.equal(state.nextAttempt, null, `${url} has no retry scheduled`);
      // Time passes well beyond the whole retry schedule: nothing more is attempted.
      await advance(guarded, 3600_000);
      const log = await attempts(guarded, appId, msgId);
      assert.equal(log.length, 1, `${url}: one attempt, no retries`);
      assert.equal(log[0]!.errorKind, "ssrf_blocked", `${url}: ${log[0]!.response}`);
      assert.equal(log[0]!.status, 2);
      assert.equal(log[0]!.responseStatusCode, 0);
      // The tenant learns that the destination is not public, not which address a name resolves to.
      assert.equal(log[0]!.response, "refused: the destination is not a public address", url);
      const refusal = operatorLog.find((r) => r.msgId === msgId);
      assert.ok(refusal, `${url}: the operator's log records the refusal`);
      assert.equal(refusal.endpointId, endpointId);
      assert.equal(refusal.errorKind, "ssrf_blocked");
      assert.match(String(refusal.detail), /refused to connect to .*not a globally routable address/, url);

      // The endpoint's health is untouched: no failure streak, not disabled.
      const endpoint = await guarded.ctx.store.endpoints.get(appId, endpointId);
      assert.equal(endpoint?.failingSince, null, `${url}: no failure streak`);
      assert.equal(endpoint?.disabled, false, `${url}: not disabled`);
    }
    assert.equal(receiver.requests.length, 0, "the receiver got no request at all");
    // A name's resolution is in the operator's log, with the rule that refused it.
    const byName = operatorLog.find((r) => String(r.detail).includes("refused to connect to localhost"));
    assert.match(String(byName?.detail), /resolves to .*(127\.0\.0\.1|::1) \(loopback\)/);
  });

  it("reaches the same receiver once its range is allow-listed", async () => {
    const reachable = spellings().filter((u) => !u.includes("[::1]") && !u.includes("0.0.0.0"));
    for (const base of reachable) {
      const before = receiver.requests.length;
      const { appId, endpointId } = await appWithEndpoint(allowing, `${base}/ok`);
      const msgId = await sendMessage(allowing, appId);
      await allowing.dispatcher.idle();
      assert.equal(receiver.requests.length, before + 1, `${base} reached the receiver`);
      assert.equal((await destination(allowing, appId, msgId, endpointId)).statusText, "success", base);
    }
    // ::1 is allowed but nothing listens there (the receiver is IPv4 only): not refused by the guard.
    const { appId } = await appWithEndpoint(allowing, `http://[::1]:${port}/v6`);
    const msgId = await sendMessage(allowing, appId);
    await allowing.dispatcher.idle();
    const [attempt] = await attempts(allowing, appId, msgId);
    assert.notEqual(attempt!.errorKind, "ssrf_blocked", attempt!.response);
    // 0.0.0.0 is not in 127.0.0.0/8 and stays refused: when the endpoint is created, and at delivery.
    const refused = await allowing.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `http://0.0.0.0:${port}/zero` });
    assert.equal(refused.status, 422, refused.text);
    const zero = await appWithEndpoint(allowing, "http://hookline-test.invalid/zero");
    await storeEndpointUrl(allowing, zero.appId, zero.endpointId, `http://0.0.0.0:${port}/zero`);
    const zeroMsg = await sendMessage(allowing, zero.appId);
    await allowing.dispatcher.idle();
    assert.equal((await attempts(allowing, zero.appId, zeroMsg))[0]!.errorKind, "ssrf_blocked");
    assert.ok(!receiver.requests.some((r) => r.path === "/zero"));
  });
});

describe("HOOKLINE_ENDPOINT_HTTPS_ONLY", () => {
  let h: TestHookline;

  before(async () => {
    h = await startTestHookline({ HOOKLINE_ENDPOINT_HTTPS_ONLY: "true" });
  });
  after(async () => {
    await h?.close();
  });

  function assertUrl422(res: { status: number; body: any; text: string }, what: string) {
    assert.equal(res.status, 422, `${what}: ${res.text}`);
    assert.ok(
      res.body.detail.some((d: { loc: string[] }) => JSON.stringify(d.loc) === JSON.stringify(["body", "url"])),
      `${what}: ${res.text}`,
    );
  }

  it("refuses plain-http endpoints when they are created, replaced or patched", async () => {
    const app = await h.api("POST", "/api/v1/app", { name: "https only" });
    assert.equal(app.status, 201, app.text);
    const base = `/api/v1/app/${app.body.id}/endpoint`;

    assertUrl422(await h.api("POST", base, { url: "http://example.invalid/hook" }), "POST http");
    assertUrl422(await h.api("POST", base, { url: "HTTP://example.invalid/hook" }), "POST HTTP");

    const created = await h.api("POST", base, { url: "https://example.invalid/hook" });
    assert.equal(created.status, 201, created.text);
    const ep = `${base}/${created.body.id}`;

    assertUrl422(await h.api("PATCH", ep, { url: "http://example.invalid/other" }), "PATCH http");
    assertUrl422(await h.api("PUT", ep, { url: "http://example.invalid/other" }), "PUT http");

    const patched = await h.api("PATCH", ep, { url: "https://example.invalid/other" });
    assert.equal(patched.status, 200, patched.text);
    const described = await h.api("PATCH", ep, { description: "no url change" });
    assert.equal(described.status, 200, described.text);
    assert.equal(described.body.url, "https://example.invalid/other");
  });

  it("accepts http endpoints when the setting is off (the default)", async () => {
    const plain = await startTestHookline();
    try {
      const app = await plain.api("POST", "/api/v1/app", { name: "plain" });
      const res = await plain.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: "http://example.invalid/" });
      assert.equal(res.status, 201, res.text);
    } finally {
      await plain.close();
    }
  });
});
