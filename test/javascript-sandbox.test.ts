import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { detectLanguage } from "../src/core/transformation-language.ts";
import type { Job, JobResult } from "../src/sandbox/protocol.ts";
import { SandboxPool } from "../src/sandbox/sandbox-pool.ts";

/**
 * JavaScript transformations (Svix's `handler(webhook)`) in the real sandbox processes: what the
 * handler sees and may change, and how runaway scripts are stopped without harming the process
 * or the next job.
 */

const job = (code: string, filter: string | null = null, compileOnly = false): Job => ({
  language: "javascript",
  filter,
  transformation: { code, variables: { tenant: "acme" } },
  input: {
    eventType: "order.paid",
    channels: ["eu"],
    msgId: "msg_1",
    payloadJson: JSON.stringify({ amount: 5 }),
    url: "https://hooks.example.com/in",
  },
  ...(compileOnly ? { compileOnly: true } : {}),
});

const failureOf = (result: JobResult) => {
  assert.equal(result.ok, false, JSON.stringify(result));
  return (result as Extract<JobResult, { ok: false }>).failure;
};

const pools: SandboxPool[] = [];
const pool = async (options: ConstructorParameters<typeof SandboxPool>[0] = {}) => {
  // Replacing a stopped process can take seconds on a loaded machine: jobs wait for it.
  const p = new SandboxPool({ maxQueueWaitMs: 120_000, ...options });
  pools.push(p);
  await p.started();
  return p;
};
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe("JavaScript transformations in the sandbox", () => {
  it("tells Svix-style JavaScript from JSONata", () => {
    assert.equal(detectLanguage("function handler(webhook) { return webhook; }"), "javascript");
    assert.equal(detectLanguage("// svix\nconst handler = (webhook) => webhook;"), "javascript");
    assert.equal(detectLanguage('{"id": msgId, "total": payload.amount}'), "jsonata");
    assert.equal(detectLanguage("$map(payload.items, function($i) { $i.sku })"), "jsonata");
  });

  it("gives the handler the webhook and sends what it returns: payload, method, url, cancel", async () => {
    const p = await pool({ processes: 1 });
    const reshaped = await p.evaluate(
      job(`function handler(webhook) {
        webhook.payload = { cents: webhook.payload.amount * 100, type: webhook.eventType, id: webhook.msgId,
          eu: webhook.channels.includes("eu"), who: webhook.variables.tenant, was: webhook.url + " " + webhook.method };
        return webhook;
      }`),
    );
    assert.deepEqual(reshaped, {
      ok: true,
      passed: true,
      body: JSON.stringify({
        cents: 500,
        type: "order.paid",
        id: "msg_1",
        eu: true,
        who: "acme",
        was: "https://hooks.example.com/in POST",
      }),
    });
    assert.deepEqual(
      await p.evaluate(
        job("function handler(w) { w.method = 'PUT'; w.url = 'https://other.example.com/x'; return w; }"),
      ),
      { ok: true, passed: true, body: '{"amount":5}', method: "PUT", url: "https://other.example.com/x" },
    );
    assert.deepEqual(await p.evaluate(job("function handler(w) { w.cancel = true; return w; }")), {
      ok: true,
      passed: false,
      canceled: true,
      body: '{"amount":5}',
    });
    // The JSONata filter runs first; the handler only when it passed.
    assert.deepEqual(
      await p.evaluate(job("function handler(w) { throw new Error('not run') }", "payload.amount > 9")),
      {
        ok: true,
        passed: false,
        body: null,
      },
    );
  });

  it("fails a handler that breaks the contract, naming why", async () => {
    const p = await pool({ processes: 1 });
    const cases: [string, RegExp][] = [
      ["function handler(w) { w.method = 'DELETE'; return w; }", /method must be "POST" or "PUT"/],
      ["function handler(w) { throw new Error('no shipping address') }", /Error: no shipping address/],
      ["function handler(w) { }", /must return the webhook object/],
      ["async function handler(w) { return w }", /must return the webhook object/],
      ["function handler(w) { delete w.payload; return w }", /no payload/],
      ["const x = 1;", /must define a function handler/],
    ];
    for (const [code, why] of cases) {
      const failure = failureOf(await p.evaluate(job(code)));
      assert.deepEqual([failure.stage, failure.kind], ["transformation", "failed"], code);
      assert.match(failure.message, why, code);
    }
    const invalid = failureOf(await p.evaluate(job("function handler(w) {", null, true)));
    assert.equal(invalid.kind, "invalid");
    assert.match(invalid.message, /SyntaxError/);
    assert.deepEqual(await p.evaluate(job("function handler(w) { return w }", null, true)), {
      ok: true,
      passed: true,
      body: null,
    });
  });

  it("offers no way out: no require, modules, network, timers or host objects", async () => {
    const p = await pool({ processes: 1 });
    const result = await p.evaluate(
      job(`function handler(w) {
        w.payload = [typeof require, typeof process, typeof fetch, typeof setTimeout, typeof setInterval,
          typeof XMLHttpRequest, typeof WebAssembly, typeof std, typeof os, typeof Deno, typeof Bun];
        return w;
      }`),
    );
    assert.ok(result.ok);
    assert.deepEqual(JSON.parse((result as { body: string }).body), Array(11).fill("undefined"));
    const imported = failureOf(await p.evaluate(job("import fs from 'fs'; function handler(w) { return w }")));
    assert.match(imported.message, /SyntaxError/);
    const dynamic = await p.evaluate(
      job("function handler(w) { let r = 'none'; import('fs').then(() => { r = 'loaded' }); w.payload = r; return w }"),
    );
    assert.deepEqual(dynamic, { ok: true, passed: true, body: '"none"' });
  });

  it("stops runaway scripts (loop, allocation, recursion) and keeps serving, without leaking state", async () => {
    const p = await pool({ processes: 1 });
    const [pid] = p.pids();
    const loop = failureOf(await p.evaluate(job("function handler(w) { while (true) {} }")));
    assert.equal(loop.kind, "timeout");
    const recursion = failureOf(await p.evaluate(job("function handler(w) { const f = () => f(); f(); }")));
    assert.equal(recursion.kind, "failed");
    assert.match(recursion.message, /stack overflow/i);
    const big = failureOf(
      await p.evaluate(job("function handler(w) { w.payload = new Uint8Array(512 * 1024 * 1024); return w }")),
    );
    assert.match(big.message, /memory|RangeError/i);
    // Many small allocations: the engine's memory cap or the time limit stops it, whichever first.
    const hoard = failureOf(
      await p.evaluate(
        job("function handler(w) { const a = []; for (;;) a.push({ n: a.length, s: 'x' + a.length }); }"),
      ),
    );
    assert.ok(["timeout", "failed"].includes(hoard.kind), JSON.stringify(hoard));
    // A global set by one evaluation is gone in the next: each runs in a fresh runtime.
    await p.evaluate(job("globalThis.leak = 'secret'; function handler(w) { return w }"));
    const next = await p.evaluate(job("function handler(w) { w.payload = typeof leak; return w }"));
    assert.deepEqual(next, { ok: true, passed: true, body: '"undefined"' });
    assert.deepEqual(p.pids(), [pid], "none of this took the process down");
  });

  it("a script slow inside one operation is stopped from outside and quarantined", async () => {
    const p = await pool({ processes: 1, hardDeadlineMs: 150 });
    const code = "function handler(w) { const a = []; for (;;) a.push(new Array(100000).fill(1)); }";
    const first = failureOf(await p.evaluate(job(code)));
    assert.ok(["timeout", "crashed", "failed"].includes(first.kind), JSON.stringify(first));
    if (first.stoppedProcess) {
      const again = failureOf(await p.evaluate(job(code)));
      assert.match(again.message, /not run again/);
    }
    assert.deepEqual(await p.evaluate(job("function handler(w) { w.payload = 1; return w }")), {
      ok: true,
      passed: true,
      body: "1",
    });
  });
});
