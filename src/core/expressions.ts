import { evaluateBoundedJob, isBoundedJob } from "../sandbox/in-process-evaluator.ts";
import type { ExpressionInput, FailureKind, Job, JobResult, Stage } from "../sandbox/protocol.ts";
import { sharedSandbox } from "../sandbox/shared-pool.ts";

/**
 * JSONata expressions for payload filters and transformations: declarative, no arbitrary code.
 * They are compiled and evaluated in the expression sandbox (src/sandbox/): bounded in time,
 * memory, string and sequence sizes, with regexes on RE2. Only expressions whose cost is provably
 * linear in the payload (src/sandbox/bounded-expression.ts) are evaluated on the server's event
 * loop instead. Limits: docs/operations.md, "Expression sandbox".
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

/**
 * Checks that an expression compiles, in the sandbox like any evaluation (parsing a large
 * expression takes long enough to matter on the server's event loop): throws ExpressionError
 * "invalid" with JSONata's message, or naming a regular expression that uses what RE2 lacks
 * (backreferences, lookaround); "busy" or "timeout" when it could not be checked.
 */
export async function checkExpression(code: string, tenant: string): Promise<void> {
  const result = await sharedSandbox().evaluate(
    {
      language: "jsonata",
      filter: null,
      transformation: { code, variables: null },
      input: { eventType: "", channels: null, msgId: "", payloadJson: "null" },
      compileOnly: true,
    },
    tenant,
    { interactive: true },
  );
  if (!result.ok) throw new ExpressionError(result.failure.kind, result.failure.message);
}

export interface Expressions {
  filter: string | null;
  transformation: { code: string; variables: Record<string, string> | null } | null;
}

/** What running an endpoint's expressions over one message gave: excluded, or the body to send (null: unchanged). */
export type ExpressionOutcome = { passed: false } | { passed: true; body: string | null };

/**
 * Runs a filter and a transformation over one message: in-process when both are bounded, else in
 * a single sandbox round trip; throws ExpressionError naming the stage that failed. `payloadJson`
 * is the payload as JSON text; `tenant` (the application) decides whose turn it is in the sandbox's queue.
 */
export async function runExpressions(
  expressions: Expressions,
  input: Omit<ExpressionInput, "payload">,
  payloadJson: string,
  tenant: string,
  interactive = false,
): Promise<ExpressionOutcome> {
  const job: Job = {
    language: "jsonata",
    filter: expressions.filter,
    transformation: expressions.transformation,
    input: { ...input, payloadJson },
  };
  const result: JobResult =
    (isBoundedJob(job) ? await evaluateBoundedJob(job) : null) ??
    (await sharedSandbox().evaluate(job, tenant, { interactive }));
  if (!result.ok) throw new ExpressionError(result.failure.kind, result.failure.message, result.failure.stage);
  return result.passed ? { passed: true, body: result.body } : { passed: false };
}

/** Evaluates one transformation for an API call (simulate) and returns the body it produces, as JSON text. */
export async function evaluateTransformation(
  code: string,
  input: ExpressionInput,
  variables: Record<string, string> | null,
  tenant: string,
): Promise<string> {
  const { payload, ...rest } = input;
  const transformation = { code, variables };
  const outcome = await runExpressions({ filter: null, transformation }, rest, JSON.stringify(payload), tenant, true);
  if (!outcome.passed || outcome.body === null) throw new ExpressionError("failed", "the expression produced no value");
  return outcome.body;
}
