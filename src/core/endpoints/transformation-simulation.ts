import type { Endpoint } from "../entities.ts";
import { ApiError, FieldError } from "../errors.ts";
import { checkExpressionField } from "../expression-field.ts";
import { ExpressionError, simulateTransformation } from "../expressions.ts";
import { detectLanguage, type TransformationLanguage } from "../transformation-language.ts";

export interface SimulationInput {
  code: string;
  language?: TransformationLanguage;
  eventType: string;
  payload: Record<string, unknown>;
  channels?: string[] | null;
  variables?: Record<string, string> | null;
}

/**
 * `…/transformation/simulate`: runs code (not necessarily the stored one) on a sample message in
 * the sandbox, as a delivery to this endpoint would, and says what would be sent. Code that does
 * not compile or fails is the caller's to fix (422); a sandbox with no free process in time is not
 * (429).
 */
export async function simulateEndpointTransformation(endpoint: Endpoint, b: SimulationInput) {
  const language = b.language ?? detectLanguage(b.code);
  await checkExpressionField("code", b.code, endpoint.appId, language);
  try {
    return await simulateTransformation(
      { code: b.code, variables: b.variables ?? null, language },
      {
        eventType: b.eventType,
        payload: b.payload,
        channels: b.channels ?? null,
        msgId: "msg_simulated",
        url: endpoint.url,
      },
      endpoint.appId,
    );
  } catch (error) {
    const e = error instanceof ExpressionError ? error : new ExpressionError("failed", String(error));
    // Not the caller's expression's fault: the sandbox had no free process in time.
    if (e.kind === "busy") throw new ApiError(429, "sandbox_busy", `the transformation was ${e.message}`);
    throw new FieldError(["code"], e.message, e.kind === "failed" ? "transformation_error" : e.kind);
  }
}
