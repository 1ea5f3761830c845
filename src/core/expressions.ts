import jsonata from "jsonata";
import type { ExpressionInput, FailureKind, JobResult, Stage } from "../sandbox/protocol.ts";
import { regexProblem } from "../sandbox/regex-engine.ts";
import { sharedSandbox } from "../sandbox/shared-pool.ts";

/**
 * JSONata expressions for payload filters and transformations: declarative, no arbitrary code.
 * The server only parses them (to refuse invalid ones at create time); every evaluation runs in
 * the expression sandbox (src/sandbox/), where it is bounded in time, memory, string and sequence
 * sizes, and its regexes run on RE2. Limits: docs/operations.md, "Expression sandbox".
 */
export { EVALUATION_MAX_DEPTH, EVALUATION_TIMEOUT_MS } from "../sandbox/limits.ts";
export type { ExpressionInput } from "../sandbox/protocol.ts";

export class ExpressionError extends Error {
  constructor(
    readonly kind: "invalid" | FailureKind,
    message: string,
    readonly stage: Stage = "transformation",
  ) {
    super(message);
  }

  /** Whether the failure may not recur: it was stopped or not run, rather than deterministically wrong. */
  get transient(): boolean {
    return this.kind === "timeout" || this.kind === "crashed" || this.kind === "busy";
  }
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; position?: number };
  const where = e.position !== undefined ? ` at position ${e.position}` : "";
  return `${e.code ? e.code + ": " : ""}${e.message ?? String(error)}${where}`;
}

/** The regular-expression literals of a parsed expression. */
function regexesOf(node: unknown, found: RegExp[] = [], depth = 0): RegExp[] {
  if (depth > 10_000 || node === null || typeof node !== "object") return found;
  if (node instanceof RegExp) {
    found.push(node);
    return found;
  }
  for (const value of Object.values(node)) regexesOf(value, found, depth + 1);
  return found;
}

/**
 * Parses an expression (linear in its length; the sandbox is for evaluation), throwing
 * ExpressionError("invalid") with JSONata's message when it does not parse, or when a regular
 * expression in it uses what RE2 lacks (backreferences, lookaround).
 */
export function compileExpression(code: string): jsonata.Expression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(code);
  } catch (error) {
    throw new ExpressionError("invalid", describe(error));
  }
  for (const regex of regexesOf(expression.ast())) {
    const problem = regexProblem(regex);
    if (problem) throw new ExpressionError("invalid", problem);
  }
  return expression;
}

export interface Expressions {
  filter: string | null;
  transformation: { code: string; variables: Record<string, string> | null } | null;
}

/** What running an endpoint's expressions over one message gave: excluded, or the body to send (null: unchanged). */
export type ExpressionOutcome = { passed: false } | { passed: true; body: string | null };

/**
 * Runs a filter and a transformation over one message in a single sandbox round trip; throws
 * ExpressionError naming the stage that failed. `payloadJson` is the payload as JSON text;
 * `tenant` (the application) decides whose turn it is in the sandbox's queue.
 */
export async function runExpressions(
  expressions: Expressions,
  input: Omit<ExpressionInput, "payload">,
  payloadJson: string,
  tenant: string,
): Promise<ExpressionOutcome> {
  const result: JobResult = await sharedSandbox().evaluate(
    {
      language: "jsonata",
      filter: expressions.filter,
      transformation: expressions.transformation,
      input: { ...input, payloadJson },
    },
    tenant,
  );
  if (!result.ok) throw new ExpressionError(result.failure.kind, result.failure.message, result.failure.stage);
  return result.passed ? { passed: true, body: result.body } : { passed: false };
}

/** Evaluates one transformation and returns the body it produces, as JSON text. */
export async function evaluateTransformation(
  code: string,
  input: ExpressionInput,
  variables: Record<string, string> | null,
  tenant: string,
): Promise<string> {
  const { payload, ...rest } = input;
  const transformation = { code, variables };
  const outcome = await runExpressions({ filter: null, transformation }, rest, JSON.stringify(payload), tenant);
  if (!outcome.passed || outcome.body === null) throw new ExpressionError("failed", "the expression produced no value");
  return outcome.body;
}
