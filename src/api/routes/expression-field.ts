import { ApiError, FieldError } from "../../core/errors.ts";
import { checkExpression, ExpressionError } from "../../core/expressions.ts";

/** Refuses (422) an expression that does not compile; answers 429 when the sandbox cannot check it now. */
export async function checkExpressionField(loc: string, code: string | null | undefined, tenant: string) {
  if (!code) return;
  try {
    await checkExpression(code, tenant);
  } catch (error) {
    const e = error instanceof ExpressionError ? error : new ExpressionError("failed", String(error));
    if (e.kind === "busy") throw new ApiError(429, "sandbox_busy", `the expression could not be checked: ${e.message}`);
    const why = e.kind === "timeout" ? "takes too long to compile" : `is not a valid JSONata expression: ${e.message}`;
    throw new FieldError([loc], why, "jsonata");
  }
}
