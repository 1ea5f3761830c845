import { ApiError, FieldError } from "./errors.ts";
import { checkExpression, ExpressionError } from "./expressions.ts";
import type { Language } from "../sandbox/protocol.ts";

/**
 * Refuses (422) an expression that does not compile (for JavaScript: whose top level fails or
 * defines no `handler`); answers 429 when the sandbox cannot check it now.
 */
export async function checkExpressionField(
  loc: string,
  code: string | null | undefined,
  tenant: string,
  language: Language = "jsonata",
) {
  if (!code) return;
  try {
    await checkExpression(code, tenant, language);
  } catch (error) {
    const e = error instanceof ExpressionError ? error : new ExpressionError("failed", String(error));
    if (e.kind === "busy") throw new ApiError(429, "sandbox_busy", `the expression could not be checked: ${e.message}`);
    const what = language === "javascript" ? "valid JavaScript transformation" : "valid JSONata expression";
    const why = e.kind === "timeout" ? "takes too long to compile" : `is not a ${what}: ${e.message}`;
    throw new FieldError([loc], why, language);
  }
}
