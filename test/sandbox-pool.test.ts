import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { COMPILED_CACHE_SIZE, MAX_SEQUENCE_LENGTH, MAX_STRING_LENGTH } from "../src/sandbox/limits.ts";
import { compileInSandbox, evaluateJsonataJob } from "../src/sandbox/jsonata-evaluator.ts";
import type { Job, JobResult } from "../src/sandbox/protocol.ts";
import { SandboxPool } from "../src/sandbox/sandbox-pool.ts";
import { CRASH_RECIPES } from "./support/crash-recipes.ts";

const job = (transformation: string | null, filter: string | null = null, payload: unknown = { amount: 5 }): Job => ({
  language: "jsonata",
  filter,
  transformation: transformation === null ? null : { code: transformation, variables: { tenant: "acme" } },
  input: { eventType: "order.paid", channels: ["eu"], msgId: "msg_1", payloadJson: JSON.stringify(payload) },
});

const failureOf = (result: JobResult) => {
  assert.equal(result.ok, false, JSON.stringify(result));
  return (result as Extract<JobResult, { ok: false }>).failure;
};

/** A job that keeps one process busy for a good while inside one built-in call (no step boundary). */
const HOG = "$string([1..1000000])";

const pools: SandboxPool[] = [];
const pool = async (options: ConstructorParameters<typeof SandboxPool>[0]) => {
  const p = new SandboxPool(options);
  pools.push(p);
  await p.started();
  return p;
};
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe("expression sandbox pool", () => {
  it("runs filter and transformation in one job, with the message and variables", async () => {
    const p = await pool({ processes: 1 });
    const code = '{"id": msgId, "cents": payload.amount * 100, "who": $tenant, "eu": "eu" in channels}';
    assert.deepEqual(await p.evaluate(job(code, "payload.amount > 1")), {
      ok: true,
      passed: true,
      body: JSON.stringify({ id: "msg_1", cents: 500, who: "acme", eu: true }),
    });
    assert.deepEqual(await p.evaluate(job(code, "payload.amount > 10")), { ok: true, passed: false, body: null });
    assert.deepEqual(await p.evaluate(job(null, "eventType = 'order.paid'")), { ok: true, passed: true, body: null });
    const failed = failureOf(await p.evaluate(job('$error("no address")')));
    assert.deepEqual([failed.stage, failed.kind], ["transformation", "failed"]);
    assert.match(failed.message, /no address/);
    assert.equal(failureOf(await p.evaluate(job("1", '$error("x")'))).stage, "filter");
  });

  it("stops a job that overruns its hard deadline, replaces the process and serves the next job", async () => {
    const p = await pool({ processes: 1, hardDeadlineMs: 30 });
    const [before] = p.pids();
    const failure = failureOf(await p.evaluate(job(HOG)));
    assert.equal(failure.kind, "timeout");
    assert.match(failure.message, /used more than 30 ms of CPU time/);
    const next = await p.evaluate(job("payload.amount + 1"));
    assert.deepEqual(next, { ok: true, passed: true, body: "6" });
    assert.notEqual(p.pids()[0], before, "the stopped process was replaced");
    assert.equal(p.replacements, 1);
  });

  it("counts CPU time, not time spent waiting for a CPU; a wall-clock cap still applies", async () => {
    // A stopped process stands for one starved on a busy machine: it uses no CPU while it waits.
    const p = await pool({ processes: 1, hardDeadlineMs: 50, wallDeadlineMs: 5000 });
    const [pid] = p.pids();
    process.kill(pid!, "SIGSTOP");
    const pending = p.evaluate(job("payload.amount * 3"));
    await new Promise((r) => setTimeout(r, 400));
    process.kill(pid!, "SIGCONT");
    assert.deepEqual(await pending, { ok: true, passed: true, body: "15" });
    assert.deepEqual(p.pids(), [pid], "not stopped for waiting");

    const capped = await pool({ processes: 1, hardDeadlineMs: 50, wallDeadlineMs: 300 });
    const [starved] = capped.pids();
    process.kill(starved!, "SIGSTOP");
    const failure = failureOf(await capped.evaluate(job("1")));
    assert.equal(failure.kind, "timeout");
    assert.match(failure.message, /did not finish within 300 ms/);
  });

  it("sends jobs ahead to a process; those behind a stopped one run again on its replacement", async () => {
    const p = await pool({ processes: 1, pipelineDepth: 2, hardDeadlineMs: 30 });
    const hog = p.evaluate(job(HOG));
    const behind = p.evaluate(job("payload.amount + 2"));
    assert.equal(p.queued, 0, "the second job went ahead to the process");
    assert.equal(failureOf(await hog).kind, "timeout");
    assert.deepEqual(await behind, { ok: true, passed: true, body: "7" });
    assert.equal(p.replacements, 1);
  });

  it("blames a job stopped in its transformation on the transformation, not the filter", async () => {
    // Whether it is stopped from outside or by JSONata's own check, the transformation is to blame.
    const p = await pool({ processes: 1, hardDeadlineMs: 300 });
    const failure = failureOf(await p.evaluate(job([HOG, HOG, HOG, HOG].join(" & "), "true")));
    assert.deepEqual([failure.stage, failure.kind], ["transformation", "timeout"]);
  });

  it("a job past the memory limit takes down only its own process, which is replaced", async () => {
    const p = await pool({ processes: 1, memoryMb: 16, hardDeadlineMs: 20_000 });
    const [before] = p.pids();
    // Padding with a two-character fill goes through an array of code points, then the split
    // builds nearly a million strings: well within the size caps, far beyond a 16 MB heap.
    const failure = failureOf(await p.evaluate(job('$count($split($pad("", 900000, "ab"), ""))')));
    assert.equal(failure.kind, "crashed");
    assert.match(failure.message, /memory limit/);
    assert.deepEqual(await p.evaluate(job("payload.amount * 2")), { ok: true, passed: true, body: "10" });
    assert.notEqual(p.pids()[0], before);
  });

  it("answers an expression that stopped its process from memory, without another process start", async () => {
    const p = await pool({ processes: 1, hardDeadlineMs: 30 });
    // A job the replacement process serves: by then the stopped one has been counted.
    const settled = async () => assert.deepEqual(await p.evaluate(job("0")), { ok: true, passed: true, body: "0" });
    assert.equal(failureOf(await p.evaluate(job(HOG))).kind, "timeout");
    await settled();
    assert.equal(p.replacements, 1);
    for (let i = 0; i < 3; i++) {
      const again = failureOf(await p.evaluate(job(HOG)));
      assert.equal(again.kind, "timeout");
      assert.match(again.message, /not run again for \d+ s/);
    }
    await settled();
    assert.equal(p.replacements, 1, "no process was stopped again");
    // Behind a filter that passes, the same transformation still runs (and stops its process).
    assert.equal(failureOf(await p.evaluate(job(HOG, "true"))).stage, "transformation");
    await settled();
    assert.equal(p.replacements, 2);
    // A filter that stopped its process is answered from memory whatever the transformation.
    failureOf(await p.evaluate(job("1", HOG)));
    assert.equal(failureOf(await p.evaluate(job("2", HOG))).stage, "filter");
    await settled();
    assert.equal(p.replacements, 3);
  });

  it("turns every crash recipe into a failed evaluation and keeps serving", async () => {
    const p = await pool({ processes: 2 });
    for (const [name, code] of Object.entries(CRASH_RECIPES)) {
      const result = await p.evaluate(job(code));
      if (name === "backtrackingRegex") {
        // RE2 answers at once: no match, so no value.
        assert.match(failureOf(result).message, /no value/, name);
        continue;
      }
      const failure = failureOf(result);
      assert.ok(["failed", "timeout", "crashed"].includes(failure.kind), `${name}: ${failure.kind}`);
    }
    assert.deepEqual(await p.evaluate(job('"still here"')), { ok: true, passed: true, body: '"still here"' });
  });

  it("refuses work beyond its queue bound at once, and work that waited too long", async () => {
    const p = await pool({
      processes: 1,
      pipelineDepth: 1,
      maxQueueLength: 2,
      hardDeadlineMs: 5000,
      maxQueueWaitMs: 60_000,
    });
    const running = p.evaluate(job(HOG));
    const queued = [p.evaluate(job("1")), p.evaluate(job("2"))];
    assert.equal(p.queued, 2);
    const refused = failureOf(await p.evaluate(job("3")));
    assert.equal(refused.kind, "busy");
    assert.match(refused.message, /2 evaluations are already waiting/);
    await running;
    assert.deepEqual(
      (await Promise.all(queued)).map((r) => r.ok),
      [true, true],
    );

    const impatient = await pool({ processes: 1, pipelineDepth: 1, hardDeadlineMs: 5000, maxQueueWaitMs: 20 });
    const hog = impatient.evaluate(job(HOG));
    const waited = failureOf(await impatient.evaluate(job("1")));
    assert.equal(waited.kind, "busy");
    assert.match(waited.message, /within 20 ms/);
    await hog;
  });
  it("serves tenants in turn and bounds each tenant's queue of API calls", async () => {
    const p = await pool({ processes: 1, pipelineDepth: 1, maxQueuePerTenant: 3, hardDeadlineMs: 5000 });
    const done: string[] = [];
    const submit = (tenant: string, name: string) =>
      p.evaluate(job(`"${name}"`), tenant, { interactive: true }).then((result) => {
        done.push(name);
        return result;
      });
    // a1 runs at once; the others queue while it runs.
    const all = [submit("a", "a1"), submit("a", "a2"), submit("a", "a3"), submit("a", "a4"), submit("b", "b1")];
    const refused = failureOf(await p.evaluate(job('"a5"'), "a", { interactive: true }));
    assert.equal(refused.kind, "busy");
    assert.match(refused.message, /3 evaluations of the same application are already waiting/);
    // A delivery is not refused for its tenant's queue: it waits its turn.
    const delivery = p.evaluate(job('"a6"'), "a");
    await Promise.all(all);
    assert.deepEqual(done, ["a1", "a2", "b1", "a3", "a4"]);
    assert.deepEqual(await delivery, { ok: true, passed: true, body: '"a6"' });
  });
});

describe("expression evaluation inside a sandbox process", () => {
  const evaluate = (code: string, payload: unknown = {}) => evaluateJsonataJob(job(code, null, payload));

  it("caches compiled expressions, evicting the least recently used", () => {
    const first = compileInSandbox("payload.a + 1");
    assert.equal(compileInSandbox("payload.a + 1"), first);
    for (let i = 0; i < COMPILED_CACHE_SIZE; i++) compileInSandbox(`payload.a + ${i + 2}`);
    assert.notEqual(compileInSandbox("payload.a + 1"), first, "evicted after as many newer ones as the cache holds");
  });

  it("refuses oversized strings and sequences before building them", async () => {
    // Big inputs come with the payload, so the time limit does not run while they are built.
    const payload = { a: Array(600_000).fill(1), b: Array(600_000).fill(2), s: "x".repeat(6_000_000) };
    const started = Date.now();
    for (const [code, pattern] of [
      ['$pad("x", 1000000000)', /\$pad would build a string of 1000000000 characters/],
      ['$pad("x", 6000000, "ab")', /\$pad would build a string of 12000000/],
      ["$join([payload.s, payload.s])", /\$join would build a string of 12000000/],
      ['$split(payload.s, "")', /\$split would build an array of 6000000 items/],
      ['$replace(payload.s, "x", "yy")', /\$replace would build a string of more than 10000000/],
      ["$append(payload.a, payload.b)", /\$append would build an array of 1200000 items/],
      ["$count([1..2000000])", /sequence length/],
      // One array referenced twenty times: small in memory, 12 million characters as text.
      [
        `($a := [1..100000]; $string({${Array.from({ length: 20 }, (_, i) => `"k${i}": $a`).join(", ")}}))`,
        /\$string would build a string longer than 10000000/,
      ],
    ] as const) {
      const failure = failureOf(await evaluate(code, payload));
      assert.match(failure.message, pattern, code);
    }
    assert.ok(Date.now() - started < 20_000);
    assert.equal(MAX_STRING_LENGTH, 10_000_000);
    assert.equal(MAX_SEQUENCE_LENGTH, 1_000_000);
    assert.deepEqual(await evaluate('$length($pad("x", 1000000))'), { ok: true, passed: true, body: "1000000" });
  });

  it("matches regexes with RE2: linear time, JavaScript semantics for the common cases", async () => {
    const body = async (code: string, payload: unknown = {}) => {
      const result = await evaluate(code, payload);
      assert.equal(result.ok, true, JSON.stringify(result));
      return JSON.parse((result as { body: string }).body);
    };
    assert.deepEqual(await body('$match("ab12cd345", /[0-9]+/).match'), ["12", "345"]);
    assert.equal(await body('$replace("Hello World", /(\\w+) (\\w+)/, "$2 $1")'), "World Hello");
    assert.deepEqual(await body('$split("a1b22c", /[0-9]+/)'), ["a", "b", "c"]);
    assert.equal(await body('$contains("HELLO", /hello/i)'), true);
    assert.equal(await body('$contains("ab/c", /b\\/c/)'), true);
    // Exponential for a backtracking engine; RE2 reads the input once.
    const started = Date.now();
    assert.equal(await body("$contains(payload.s, /(a+)+$/)", { s: "a".repeat(20_000) + "b" }), false);
    assert.equal(await body("$contains(payload.s, /^(a+)+b$/)", { s: "a".repeat(20_000) + "b" }), true);
    assert.ok(Date.now() - started < 5000, "no catastrophic backtracking");
    // A pattern built at run time with features RE2 lacks fails the evaluation.
    assert.match(failureOf(await evaluate('$eval("$match(\\"aa\\", /(a)\\\\1/)")')).message, /not supported/);
  });

  it("refuses at compile time regexes RE2 cannot run (backreferences, lookaround)", async () => {
    const compile = (code: string) => evaluateJsonataJob({ ...job(code), compileOnly: true });
    for (const code of ["$match(s, /(a)\\1/)", "$match(s, /a(?=b)/)", "$match(s, /a(?!b)/)", "$match(s, /(?<=a)b/)"]) {
      const failure = failureOf(await compile(code));
      assert.equal(failure.kind, "invalid", code);
      assert.match(failure.message, /not supported/, code);
    }
    assert.deepEqual(await compile("$match(s, /(?<year>\\d{4})-[a-z]+/i)"), { ok: true, passed: true, body: null });
    assert.equal(failureOf(await compile("payload.amount >")).kind, "invalid");
    // Deep nesting overflows the parser's stack: refused, not a crash.
    assert.match(failureOf(await compile("(".repeat(20_000) + "1" + ")".repeat(20_000))).message, /nests too deeply/);
  });
});
