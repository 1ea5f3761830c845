import jsonata from "jsonata";

/**
 * JSONata expressions for payload filters and transformations: declarative, no arbitrary code.
 * Every evaluation is bounded: 100 ms of evaluation time and a nesting depth of 200 (JSONata's own
 * guardrails, error codes D1012 and D1011), so a pathological expression costs one endpoint one
 * failed attempt and never stalls the worker's other deliveries.
 */
export const EVALUATION_TIMEOUT_MS = 100;
export const EVALUATION_MAX_DEPTH = 200;

/** What an expression sees: the message, in the same shape for filters and transformations. */
export interface ExpressionInput {
  eventType: string;
  payload: unknown;
  channels: string[] | null;
  msgId: string;
}

export class ExpressionError extends Error {
  constructor(
    readonly kind: "invalid" | "timeout" | "failed",
    message: string,
  ) {
    super(message);
  }
}

const compiled = new Map<string, jsonata.Expression>();
/** Compiled expressions are cached by their text; a few thousand distinct ones are a few MB. */
const CACHE_LIMIT = 5000;

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; position?: number; token?: string };
  const where = e.position !== undefined ? ` at position ${e.position}` : "";
  return `${e.code ? e.code + ": " : ""}${e.message ?? String(error)}${where}`;
}

/** Parses an expression, throwing ExpressionError("invalid") with JSONata's message when it does not parse. */
export function compileExpression(code: string): jsonata.Expression {
  let expression = compiled.get(code);
  if (expression) return expression;
  try {
    expression = jsonata(code, { timeout: EVALUATION_TIMEOUT_MS, stack: EVALUATION_MAX_DEPTH });
  } catch (error) {
    throw new ExpressionError("invalid", describe(error));
  }
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
  compiled.set(code, expression);
  return expression;
}

/** Evaluates with the bounds above; `variables` are bound as `$name`. */
export async function evaluateExpression(
  code: string,
  input: ExpressionInput,
  variables: Record<string, string> | null = null,
): Promise<unknown> {
  const expression = compileExpression(code);
  try {
    return await expression.evaluate(input, variables ?? undefined);
  } catch (error) {
    const codeOf = (error as { code?: string }).code;
    const kind = codeOf === "D1012" || codeOf === "D1011" ? "timeout" : "failed";
    throw new ExpressionError(kind, describe(error));
  }
}

/** JSONata truthiness for filters: false, null, 0, "", empty arrays and "no result" (undefined) are false. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  return Boolean(value);
}
