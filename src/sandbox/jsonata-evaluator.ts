import jsonata from "jsonata";
import { installCappedBuiltins, jsonLengthExceeds, LimitError } from "./capped-builtins.ts";
import { ownCpuMs } from "./cpu-time.ts";
import {
  COMPILED_CACHE_SIZE,
  EVALUATION_MAX_DEPTH,
  EVALUATION_TIMEOUT_MS,
  MAX_SEQUENCE_LENGTH,
  MAX_STRING_LENGTH,
} from "./limits.ts";
import type { ExpressionInput, Failure, Job, JobResult, Stage } from "./protocol.ts";
import { Re2RegexEngine, regexProblem } from "./regex-engine.ts";

/**
 * Evaluates a JSONata job inside a sandbox process: the filter, then (if it passed) the
 * transformation, whose result is returned as the JSON text to send. Runs with JSONata's time
 * and depth guardrails, its sequence cap, RE2 regexes and the capped built-ins.
 */

/** When the current evaluation started: wall clock and this process's CPU time. */
let startedAt = { wallMs: 0, cpuMs: 0 };

const OPTIONS = {
  /**
   * JSONata stops an evaluation once `Date.now()` has advanced `timeout` ms past its start. Read
   * at every check, this grants back the time the process spent waiting for a CPU, so the limit
   * is EVALUATION_TIMEOUT_MS of CPU time (cpu-time.ts). Only past the limit in wall time is the
   * CPU time read at all.
   */
  get timeout(): number {
    const wall = Date.now() - startedAt.wallMs;
    if (wall <= EVALUATION_TIMEOUT_MS) return EVALUATION_TIMEOUT_MS;
    return EVALUATION_TIMEOUT_MS + Math.max(0, wall - (ownCpuMs() - startedAt.cpuMs));
  },
  stack: EVALUATION_MAX_DEPTH,
  sequence: MAX_SEQUENCE_LENGTH,
  RegexEngine: Re2RegexEngine as unknown as RegExpConstructor,
};

/** Marks the start of an evaluation, for the time limit. */
function starting(): void {
  startedAt = { wallMs: Date.now(), cpuMs: ownCpuMs() };
}

const cache = new Map<string, jsonata.Expression>();

/** Compiles (or reuses) an expression; most recently used last, so the first key is the eviction candidate. */
export function compileInSandbox(code: string): jsonata.Expression {
  let expression = cache.get(code);
  if (expression) {
    cache.delete(code);
    cache.set(code, expression);
    return expression;
  }
  expression = jsonata(code, OPTIONS);
  installCappedBuiltins(expression);
  if (cache.size >= COMPILED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(code, expression);
  return expression;
}

export const compiledCacheSize = () => cache.size;

export function describeError(error: unknown): string {
  const e = error as { message?: string; code?: string; position?: number };
  const code = e.code && !e.code.startsWith("HL_") ? e.code + ": " : "";
  const where = e.position !== undefined ? ` at position ${e.position}` : "";
  return `${code}${e.message ?? String(error)}${where}`;
}

function failure(stage: Stage, error: unknown): { ok: false; failure: Failure } {
  const code = (error as { code?: string }).code;
  const kind = code === "D1012" || code === "D1011" ? "timeout" : "failed";
  // V8's own size errors ("Invalid string length") are the same limit, reached the hard way.
  const message =
    error instanceof RangeError && !(error instanceof LimitError)
      ? `${error.message} (an evaluation may build strings of at most ${MAX_STRING_LENGTH} characters)`
      : describeError(error);
  return { ok: false, failure: { stage, kind, message } };
}

/** JSONata truthiness for filters: false, null, 0, "", empty arrays and "no result" (undefined) are false. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  return Boolean(value);
}

/** The regular-expression literals of a parsed expression. */
function regexesOf(node: unknown, found: RegExp[] = []): RegExp[] {
  if (node === null || typeof node !== "object") return found;
  if (node instanceof RegExp) found.push(node);
  else for (const value of Object.values(node)) regexesOf(value, found);
  return found;
}

/** Compiles a job's expressions without evaluating them: `invalid` names the first that does not compile. */
function compileJob(job: Job): JobResult {
  const stages: [Stage, string | undefined][] = [
    ["filter", job.filter ?? undefined],
    ["transformation", job.transformation?.code],
  ];
  for (const [stage, code] of stages) {
    if (code === undefined) continue;
    try {
      const expression = compileInSandbox(code);
      for (const regex of regexesOf(expression.ast())) {
        const problem = regexProblem(regex);
        if (problem) throw new Error(problem);
      }
    } catch (error) {
      const message = error instanceof RangeError ? "the expression nests too deeply" : describeError(error);
      return { ok: false, failure: { stage, kind: "invalid", message } };
    }
  }
  return { ok: true, passed: true, body: null };
}

/** How a job's expressions are compiled, and how the start of each evaluation is marked for its time limit. */
export interface JsonataRuntime {
  compile(code: string): jsonata.Expression;
  starting(): void;
}

/** The sandbox process's runtime: capped built-ins, RE2 regexes, CPU-time limit. */
export const SANDBOX_RUNTIME: JsonataRuntime = { compile: compileInSandbox, starting };

export async function evaluateJsonataJob(
  job: Job,
  entering: (stage: Stage) => void = () => {},
  runtime: JsonataRuntime = SANDBOX_RUNTIME,
): Promise<JobResult> {
  if (job.compileOnly) return compileJob(job);
  const { payloadJson, ...rest } = job.input;
  const input: ExpressionInput = { ...rest, payload: JSON.parse(payloadJson) };
  if (job.filter !== null) {
    try {
      const filter = runtime.compile(job.filter);
      runtime.starting();
      if (!isTruthy(await filter.evaluate(input))) return { ok: true, passed: false, body: null };
    } catch (error) {
      return failure("filter", error);
    }
  }
  if (job.transformation === null) return { ok: true, passed: true, body: null };
  if (job.filter !== null) entering("transformation");
  let body: string | undefined;
  try {
    const { code, variables } = job.transformation;
    const transformation = runtime.compile(code);
    runtime.starting();
    const result = await transformation.evaluate(input, variables ?? undefined);
    if (result === undefined) throw new Error("the expression produced no value");
    if (typeof result === "object" && result !== null && jsonLengthExceeds(result, MAX_STRING_LENGTH))
      throw new LimitError(`the result would be longer than ${MAX_STRING_LENGTH} characters of JSON`);
    body = JSON.stringify(result);
  } catch (error) {
    return failure("transformation", error);
  }
  if (body.length > MAX_STRING_LENGTH)
    return failure("transformation", new LimitError(`the result is longer than ${MAX_STRING_LENGTH} characters`));
  return { ok: true, passed: true, body };
}
