import { evaluateBoundedJob, isBoundedJob } from "../sandbox/in-process-evaluator.ts";
import type {
  DeliveryMethod,
  ExpressionInput,
  FailureKind,
  Job,
  JobResult,
  Language,
  Stage,
} from "../sandbox/protocol.ts";
import { sharedSandbox } from "../sandbox/shared-pool.ts";

/**
 * JSONata expressions for payload filters and transformations, and JavaScript transformations
 * (Svix's `handler(webhook)`, run in QuickJS: src/sandbox/javascript-evaluator.ts).
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
export async function checkExpression(code: string, tenant: string, language: Language = "jsonata"): Promise<void> {
  const result = await sharedSandbox().evaluate(
    {
      language,
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
  /** `language` defaults to JSONata. */
  transformation: { code: string; variables: Record<string, string> | null; language?: Language } | null;
}

/**
 * What running an endpoint's expressions over one message gave: excluded (by the filter, or
 * `canceled` by a JavaScript transformation), or the request to send: its body (null: unchanged),
 * method, and URL (null: the endpoint's).
 */
export type ExpressionOutcome =
  | { passed: false; canceled: boolean; body: string | null }
  | { passed: true; body: string | null; method: DeliveryMethod; url: string | null };

/** Longest URL a transformation may send to (as Svix's API allows for a simulation's `url`). */
const MAX_URL_LENGTH = 65_536;

/**
 * Why a URL chosen by a transformation cannot be used, or null. Only the form is checked here:
 * where it points (private addresses, the server itself) is checked when connecting, for every
 * delivery alike (src/delivery/ssrf/).
 */
export function transformedUrlProblem(url: string): string | null {
  if (url.length > MAX_URL_LENGTH) return `webhook.url is longer than ${MAX_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `webhook.url is not a valid URL: ${JSON.stringify(url.slice(0, 200))}`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "webhook.url must be an http or https URL";
  if (parsed.username || parsed.password) return "webhook.url must not carry credentials";
  return null;
}

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
  const { transformation } = expressions;
  const language = transformation?.language ?? "jsonata";
  const { url, ...common } = input;
  const job: Job = {
    language,
    filter: expressions.filter,
    transformation: transformation && { code: transformation.code, variables: transformation.variables },
    // Only JavaScript's `webhook` has the URL: JSONata expressions keep seeing the input they always saw.
    input: { ...common, ...(language === "javascript" && url !== undefined ? { url } : {}), payloadJson },
  };
  const result: JobResult =
    (isBoundedJob(job) ? await evaluateBoundedJob(job) : null) ??
    (await sharedSandbox().evaluate(job, tenant, { interactive }));
  if (!result.ok) throw new ExpressionError(result.failure.kind, result.failure.message, result.failure.stage);
  if (!result.passed) return { passed: false, canceled: result.canceled === true, body: result.body };
  const problem = result.url === undefined ? null : transformedUrlProblem(result.url);
  if (problem) throw new ExpressionError("failed", problem);
  return { passed: true, body: result.body, method: result.method ?? "POST", url: result.url ?? null };
}

/** What a simulated transformation would send. */
export interface SimulatedRequest {
  /** The body, as JSON text. */
  payload: string;
  method: DeliveryMethod;
  url: string;
  cancel: boolean;
}

/**
 * Evaluates one transformation for an API call (simulate): the request it would make of the
 * endpoint at `input.url` (for a canceled delivery, what it would have been).
 */
export async function simulateTransformation(
  transformation: { code: string; variables: Record<string, string> | null; language: Language },
  input: ExpressionInput & { url: string },
  tenant: string,
): Promise<SimulatedRequest> {
  const { payload, ...rest } = input;
  const payloadJson = JSON.stringify(payload);
  const outcome = await runExpressions({ filter: null, transformation }, rest, payloadJson, tenant, true);
  if (!outcome.passed)
    return { payload: outcome.body ?? payloadJson, method: "POST", url: input.url, cancel: outcome.canceled };
  if (outcome.body === null) throw new ExpressionError("failed", "the expression produced no value");
  return { payload: outcome.body, method: outcome.method, url: outcome.url ?? input.url, cancel: false };
}
