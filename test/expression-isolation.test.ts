import assert from "node:assert/strict";
import { after, test } from "node:test";
import { CRASH_FILTER, CRASH_RECIPES } from "./support/crash-recipes.ts";
import { Receiver } from "./support/receiver.ts";
import { killAllServers, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";
import { sleep } from "./support/wait.ts";

/**
 * While one tenant runs the worst expressions known (as filters, transformations and simulate
 * calls, concurrently), another tenant's message creation, its deliveries and the health check
 * keep their latency, measured against a baseline taken first in the same run. The bound is
 * generous (p50 under 10x the baseline plus 200 ms) so a loaded machine passes; before the
 * sandbox each of these waited for whole seconds behind one evaluation, or the server died.
 */

/** Besides the crash recipes: expressions that use up their whole time limit or more. */
const SLOW_EXPRESSIONS = [
  // Stopped from outside: one built-in call runs past the hard deadline.
  "$string([1..1000000])",
  // Stopped by JSONata's own checks.
  "($f := function($x) { $f($x) + 1 }; $f(1))",
  "$sort([1..1000000], function($a, $b) { $a < $b })",
  "$count([1..1000000].($string($) & $string($)))",
];
const WORST = [...Object.values(CRASH_RECIPES), ...SLOW_EXPRESSIONS];
const ROUNDS = 15;

const dirs: string[] = [];
const receivers: Receiver[] = [];
after(async () => {
  await killAllServers();
  await Promise.all(receivers.map((r) => r.close()));
  for (const d of dirs) removeDir(d);
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

test("another tenant keeps its latency while one tenant runs the worst expressions", { timeout: 240_000 }, async () => {
  const dataDir = tempDataDir("hookline-isolation-");
  dirs.push(dataDir);
  const receiver = await Receiver.start();
  receivers.push(receiver);
  const arrivals = new Map<string, (at: number) => void>();
  receiver.respond((req) => {
    arrivals.get(String(req.headers["webhook-id"]))?.(performance.now());
    return { status: 200 };
  });
  const server = await ServerProcess.start({ dataDir, env: { HOOKLINE_RETRY_SCHEDULE: "0.2,0.2,0.2,0.2,0.2" } });
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await server.api(method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };

  // The quiet tenant: one endpoint at a real receiver.
  const quiet = await ok("POST", "/api/v1/app", { name: "quiet" });
  await ok("POST", `/api/v1/app/${quiet.id}/endpoint`, { url: `${receiver.url}/quiet` });

  // The hostile tenant: an endpoint per worst expression, and one with a crashing filter.
  const hostile = await ok("POST", "/api/v1/app", { name: "hostile" });
  const hostileEndpoints: string[] = [];
  for (const code of WORST) {
    const ep = await ok("POST", `/api/v1/app/${hostile.id}/endpoint`, { url: `${receiver.url}/hostile` });
    await ok("PATCH", `/api/v1/app/${hostile.id}/endpoint/${ep.id}/transformation`, { code, enabled: true });
    hostileEndpoints.push(ep.id);
  }
  await ok("POST", `/api/v1/app/${hostile.id}/endpoint`, { url: `${receiver.url}/hostile`, filter: CRASH_FILTER });

  const round = async () => {
    const started = performance.now();
    const res = await server.api("POST", `/api/v1/app/${quiet.id}/msg`, { eventType: "order.paid", payload: { n: 1 } });
    const created = performance.now();
    assert.equal(res.status, 202, res.text);
    const arrived = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("delivery did not arrive within 30 s")), 30_000);
      arrivals.set(res.body.id, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
    const healthStarted = performance.now();
    const health = await fetch(server.url + "/api/v1/health", { signal: AbortSignal.timeout(30_000) });
    assert.equal(health.status, 204);
    return { create: created - started, delivery: arrived - started, health: performance.now() - healthStarted };
  };
  const measure = async () => {
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
    return {
      create: median(rounds.map((r) => r.create)),
      delivery: median(rounds.map((r) => r.delivery)),
      health: median(rounds.map((r) => r.health)),
    };
  };

  for (let i = 0; i < 3; i++) await round(); // warm-up
  const baseline = await measure();

  let attacking = true;
  const counts = { messages: 0, simulated: 0, refused: 0, ownCallsTimedOut: 0 };
  /**
   * The hostile tenant's own calls may wait past the API helper's 10 s timeout on a busy machine
   * (its simulate calls queue behind its own deliveries): slowing itself down is not a failure of
   * isolation, so such a timeout is counted, not thrown. The quiet tenant's calls have no such pass.
   */
  const hostileCall = async (path: string, body: unknown) => {
    try {
      return await server.api("POST", path, body);
    } catch (error) {
      if ((error as Error).name !== "TimeoutError") throw error;
      counts.ownCallsTimedOut++;
      return null;
    }
  };
  const sendLoop = async () => {
    while (attacking) {
      const res = await hostileCall(`/api/v1/app/${hostile.id}/msg`, { eventType: "x", payload: { n: 1 } });
      if (res?.status === 202) counts.messages++;
      await sleep(50);
    }
  };
  const simulateLoop = async (offset: number) => {
    for (let i = offset; attacking; i++) {
      const res = await hostileCall(
        `/api/v1/app/${hostile.id}/endpoint/${hostileEndpoints[0]}/transformation/simulate`,
        { code: WORST[i % WORST.length], eventType: "x", payload: { n: 1 } },
      );
      if (res === null) continue;
      assert.ok(res.status === 422 || res.status === 429, `simulate answered ${res.status}: ${res.text}`);
      if (res.status === 422) counts.simulated++;
      else counts.refused++;
    }
  };
  const attack = [sendLoop(), sendLoop(), simulateLoop(0), simulateLoop(3), simulateLoop(7)];
  await sleep(1500);
  const underAttack = await measure();
  attacking = false;
  await Promise.all(attack);

  const report = JSON.stringify({ baseline, underAttack, counts });
  // Simulate calls of the hostile tenant wait behind its own deliveries, and may be refused (429) for it.
  assert.ok(counts.messages > 0 && counts.simulated + counts.refused > 0, `the attack ran: ${report}`);
  for (const metric of ["create", "delivery", "health"] as const) {
    assert.ok(underAttack[metric] < 10 * baseline[metric] + 200, `${metric} p50 kept its latency: ${report}`);
  }
  assert.equal(server.hasExited, false, server.diagnostics());
  // The hostile tenant's deliveries were evaluated, and failed as attempts, not as the server.
  const attempts = await ok("GET", `/api/v1/app/${hostile.id}/attempt/endpoint/${hostileEndpoints.at(-1)}?limit=10`);
  assert.ok(attempts.data.length > 0, "the hostile deliveries were attempted");
  console.log(report);
});
