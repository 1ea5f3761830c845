import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Receiver } from "./support/receiver.ts";
import { CRASH_FILTER, CRASH_RECIPES } from "./support/crash-recipes.ts";
import { killAllServers, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * Expressions that used to abort the server (V8 fatal errors) or block its event loop, run
 * through the real server process: each costs its delivery a recorded failed attempt on the
 * retry schedule, or its simulate call a 422, and the server stays up, also across a restart.
 */

const RETRIES = "0.3,0.3";
const ATTEMPTS = 3;

describe("expression sandbox, through the server", () => {
  let dataDir: string;
  let receiver: Receiver;
  let server: ServerProcess;
  const endpoints: { name: string; appId: string; endpointId: string; msgId: string; expect: string[] }[] = [];

  before(async () => {
    dataDir = tempDataDir("hookline-sandbox-");
    receiver = await Receiver.start();
    server = await ServerProcess.start({ dataDir, env: { HOOKLINE_RETRY_SCHEDULE: RETRIES } });
  });
  after(async () => {
    await killAllServers();
    await receiver.close();
    removeDir(dataDir);
  });

  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await server.api(method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
  const attemptsOf = async (appId: string, msgId: string) =>
    (await ok("GET", `/api/v1/app/${appId}/attempt/msg/${msgId}?limit=250`)).data as { errorKind: string | null }[];
  const statusOf = async (appId: string, msgId: string, endpointId: string) => {
    const list = (await ok("GET", `/api/v1/app/${appId}/msg/${msgId}/endpoint`)).data as {
      id: string;
      statusText: string;
    }[];
    return list.find((d) => d.id === endpointId)?.statusText;
  };

  it("records each crash recipe as failed attempts on the retry schedule; the server stays up", async () => {
    const setups = [
      ...Object.entries(CRASH_RECIPES).map(([name, code]) => ({
        name,
        endpoint: {},
        transformation: code,
        expect: ["transformation_error", "transformation_timeout"],
      })),
      { name: "filter", endpoint: { filter: CRASH_FILTER }, transformation: null, expect: ["filter_error"] },
    ];
    for (const setup of setups) {
      const app = await ok("POST", "/api/v1/app", { name: setup.name });
      const ep = await ok("POST", `/api/v1/app/${app.id}/endpoint`, {
        url: `${receiver.url}/${setup.name}`,
        ...setup.endpoint,
      });
      if (setup.transformation) {
        await ok("PATCH", `/api/v1/app/${app.id}/endpoint/${ep.id}/transformation`, {
          code: setup.transformation,
          enabled: true,
        });
      }
      const msg = await ok("POST", `/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: { n: 1 } });
      endpoints.push({ name: setup.name, appId: app.id, endpointId: ep.id, msgId: msg.id, expect: setup.expect });
    }
    for (const e of endpoints) {
      await waitUntil(
        async () => (await statusOf(e.appId, e.msgId, e.endpointId)) === "fail",
        60_000,
        `${e.name} to fail`,
      );
      const attempts = await attemptsOf(e.appId, e.msgId);
      assert.ok(attempts.length >= 1 && attempts.length <= ATTEMPTS, `${e.name}: ${attempts.length} attempts`);
      for (const a of attempts) assert.ok(e.expect.includes(a.errorKind!), `${e.name}: ${a.errorKind}`);
    }
    assert.equal(receiver.requests.length, 0, "nothing was sent");
    assert.equal(server.hasExited, false, server.diagnostics());
    assert.equal((await fetch(server.url + "/api/v1/health")).status, 204);
  });

  it("answers simulate with a 422 and the reason for every crash recipe", async () => {
    const { appId, endpointId } = endpoints[0]!;
    for (const [name, code] of Object.entries(CRASH_RECIPES)) {
      const res = await server.api("POST", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation/simulate`, {
        code,
        eventType: "order.paid",
        payload: { n: 1 },
      });
      assert.equal(res.status, 422, `${name}: ${res.text}`);
      assert.deepEqual(res.body.detail[0].loc, ["body", "code"]);
      assert.ok(res.body.detail[0].msg.length > 0);
    }
    const fine = await server.api("POST", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation/simulate`, {
      code: '{"doubled": payload.n * 2}',
      eventType: "order.paid",
      payload: { n: 21 },
    });
    assert.equal(fine.status, 200, fine.text);
    assert.deepEqual(JSON.parse(fine.body.payload), { doubled: 42 });
    assert.equal(server.hasExited, false, server.diagnostics());
  });

  it("refuses regexes RE2 cannot run with a 422 when the expression is set", async () => {
    const { appId, endpointId } = endpoints[0]!;
    const transformation = await server.api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`, {
      code: '$replace(payload.s, /(a)\\1/, "x")',
    });
    assert.equal(transformation.status, 422, transformation.text);
    assert.match(transformation.body.detail[0].msg, /not supported/);
    const filter = await server.api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}`, {
      filter: "$contains(payload.s, /a(?=b)/)",
    });
    assert.equal(filter.status, 422, filter.text);
    assert.deepEqual(filter.body.detail[0].loc, ["body", "filter"]);
  });

  it("after a restart the failed deliveries stay settled and new ones fail the same way", async () => {
    await server.stop();
    server = await ServerProcess.start({ dataDir, env: { HOOKLINE_RETRY_SCHEDULE: RETRIES } });
    const counts = await Promise.all(endpoints.map((e) => attemptsOf(e.appId, e.msgId).then((a) => a.length)));
    const again = endpoints[1]!;
    const msg = await ok("POST", `/api/v1/app/${again.appId}/msg`, { eventType: "order.paid", payload: { n: 2 } });
    await waitUntil(
      async () => (await statusOf(again.appId, msg.id, again.endpointId)) === "fail",
      60_000,
      "retry to fail",
    );
    // Long enough for any leftover delivery to have been picked up again, had one been.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await Promise.all(endpoints.map((e) => attemptsOf(e.appId, e.msgId).then((a) => a.length)));
    assert.deepEqual(after, counts, "no delivery was attempted again after the restart");
    assert.equal(server.hasExited, false, server.diagnostics());
    assert.equal((await fetch(server.url + "/api/v1/health")).status, 204);
  });
});
