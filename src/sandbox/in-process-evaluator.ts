import jsonata from "jsonata";
import { expressionRoute } from "./bounded-expression.ts";
import { evaluateJsonataJob, type JsonataRuntime } from "./jsonata-evaluator.ts";
import { COMPILED_CACHE_SIZE, EVALUATION_MAX_DEPTH, EVALUATION_TIMEOUT_MS, MAX_SEQUENCE_LENGTH } from "./limits.ts";
import type { Job, JobResult } from "./protocol.ts";

/**
 * The fast path: a job whose expressions are all bounded (bounded-expression.ts) is evaluated on
 * the server's event loop, with no round trip to a sandbox process. Bounded expressions call no
 * function and use no regex, so JSONata's plain runtime gives the sandbox's results; its time and
 * depth guardrails stay on as a safety net, and a job they stop is handed to the sandbox, whose
 * time limit counts CPU time (a server descheduled on a busy machine must not fail a delivery).
 */

const OPTIONS = { timeout: EVALUATION_TIMEOUT_MS, stack: EVALUATION_MAX_DEPTH, sequence: MAX_SEQUENCE_LENGTH };

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

/** Whether every expression of an evaluation job is bounded (compile-only checks stay in the sandbox). */
export function isBoundedJob(job: Job): boolean {
  if (job.compileOnly) return false;
  if (job.filter !== null && expressionRoute(job.filter) !== "bounded") return false;
  return job.transformation === null || expressionRoute(job.transformation.code) === "bounded";
}

/**
 * Evaluates a bounded job in-process: its result, or null when the guardrails stopped it and it
 * should run in the sandbox instead.
 */
export async function evaluateBoundedJob(job: Job): Promise<JobResult | null> {
  const result = await evaluateJsonataJob(job, () => {}, IN_PROCESS_RUNTIME);
  return !result.ok && result.failure.kind === "timeout" ? null : result;
}
