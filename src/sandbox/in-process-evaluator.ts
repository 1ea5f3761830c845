import jsonata from "jsonata";
import { demoteExpression, expressionRoute } from "./bounded-expression.ts";
import { ownCpuMs } from "./cpu-time.ts";
import { evaluateJsonataJob, type JsonataRuntime } from "./jsonata-evaluator.ts";
import { COMPILED_CACHE_SIZE, EVALUATION_MAX_DEPTH, MAX_SEQUENCE_LENGTH } from "./limits.ts";
import type { Job, JobResult } from "./protocol.ts";

/**
 * The fast path: a job whose expressions are all bounded (bounded-expression.ts) is evaluated on
 * the server's event loop, with no round trip to a sandbox process. Bounded expressions call no
 * function and use no regex, so JSONata's plain runtime gives the sandbox's results. Its time and
 * depth guardrails stay on, with a much shorter time limit than the sandbox's: a job they stop is
 * handed to the sandbox (whose limit counts CPU time, so a server descheduled on a busy machine
 * does not fail a delivery), and expressions that keep being stopped go there from then on.
 */

/**
 * Event-loop time one in-process evaluation may take (wall clock, checked by JSONata between
 * steps). Bounded expressions over ordinary payloads take microseconds.
 */
export const IN_PROCESS_TIMEOUT_MS = 20;

/**
 * Longest result (JSON text) an in-process transformation may keep producing: about twice the
 * default body cap. Each reference to the payload in a result writes it out again, so a bounded
 * expression can still build |expression| x payload; one that builds more than this keeps its
 * (correct) result, and goes to the sandbox from then on.
 */
export const IN_PROCESS_MAX_RESULT_CHARS = 2_000_000;

const OPTIONS = { timeout: IN_PROCESS_TIMEOUT_MS, stack: EVALUATION_MAX_DEPTH, sequence: MAX_SEQUENCE_LENGTH };

const cache = new Map<string, jsonata.Expression>();

function compileInProcess(code: string): jsonata.Expression {
  let expression = cache.get(code);
  if (expression) {
    cache.delete(code);
    cache.set(code, expression);
    return expression;
  }
  expression = jsonata(code, OPTIONS);
  if (cache.size >= COMPILED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(code, expression);
  return expression;
}

/** JSONata's guardrails read the clock per evaluation themselves: nothing to mark. */
const IN_PROCESS_RUNTIME: JsonataRuntime = { compile: compileInProcess, starting: () => {} };

/**
 * Whether every expression of an evaluation job is bounded (compile-only checks, and JavaScript
 * transformations, stay in the sandbox).
 */
export function isBoundedJob(job: Job): boolean {
  if (job.compileOnly || job.language !== "jsonata") return false;
  if (job.filter !== null && expressionRoute(job.filter) !== "bounded") return false;
  return job.transformation === null || expressionRoute(job.transformation.code) === "bounded";
}

/** Compiled expressions held for in-process evaluation. */
export const inProcessCacheSize = () => cache.size;

/**
 * Evaluates a bounded job in-process: its result, or null when the guardrails stopped it and it
 * should run in the sandbox instead. A job stopped after using IN_PROCESS_TIMEOUT_MS of CPU time
 * STRIKES times in a row, stopped for its depth, or that built more than IN_PROCESS_MAX_RESULT_CHARS, sends its
 * expressions to the sandbox from now on. (A job that finished is kept here however long it took:
 * measured in a burst of deliveries, the first run of an expression, with its compilation and
 * the engine warming up, took over 20 ms of CPU time on a busy machine.)
 */
export function evaluateBoundedJob(job: Job): Promise<JobResult | null> {
  const run = queue.then(() => evaluateNow(job));
  queue = run.catch(() => {});
  return run;
}

/**
 * How many times in a row each job (its expression texts) was stopped after using its time. One
 * stop may be bad luck, a garbage collection in the middle (counted as the process's CPU time);
 * STRIKES in a row is the expression.
 */
const strikes = new Map<string, number>();
const STRIKES = 3;

function strikeKey(job: Job): string {
  return JSON.stringify([job.filter, job.transformation?.code ?? null]);
}

/** Counts one more stop of this job's expressions: true once they have had STRIKES in a row. */
function struckOut(job: Job): boolean {
  const key = strikeKey(job);
  const count = (strikes.get(key) ?? 0) + 1;
  if (count >= STRIKES) {
    strikes.delete(key);
    return true;
  }
  if (strikes.size >= COMPILED_CACHE_SIZE) strikes.clear();
  strikes.set(key, count);
  return false;
}

/**
 * In-process jobs run one after another. JSONata awaits at every step, so jobs started together
 * would interleave, and each one's time (its guardrail's clock and the cost measured here) would
 * count the others': in a burst of deliveries, cheap expressions would look slow and be stopped.
 */
let queue: Promise<unknown> = Promise.resolve();

async function evaluateNow(job: Job): Promise<JobResult | null> {
  const started = { wallMs: performance.now(), cpuMs: ownCpuMs() };
  const result = await evaluateJsonataJob(job, () => {}, IN_PROCESS_RUNTIME);
  const stoppedHere = !result.ok && result.failure.kind === "timeout";
  // Stopped after using its time in CPU as well as on the clock: a server descheduled on a busy
  // machine (wall time only) hands the job to the sandbox this once but keeps its expressions here.
  const spentMs = Math.min(performance.now() - started.wallMs, ownCpuMs() - started.cpuMs);
  const tooSlow = stoppedHere && spentMs >= IN_PROCESS_TIMEOUT_MS && struckOut(job);
  const tooDeep = stoppedHere && result.failure.message.startsWith("D1011");
  const tooLarge = result.ok && (result.body?.length ?? 0) > IN_PROCESS_MAX_RESULT_CHARS;
  if (!stoppedHere && strikes.size > 0) strikes.delete(strikeKey(job));
  if (tooSlow || tooDeep || tooLarge) {
    // Whichever expression it was, this job's expressions are not cheap together: both go.
    if (job.filter !== null) demoteExpression(job.filter);
    if (job.transformation !== null) demoteExpression(job.transformation.code);
  }
  return stoppedHere ? null : result;
}
