import type { EndpointTransformation } from "../entities.ts";
import { FieldError } from "../errors.ts";
import { detectLanguage, type TransformationLanguage } from "../transformation-language.ts";

/** A change to an endpoint's transformation: only the fields given change. */
export interface TransformationPatch {
  code?: string | null;
  language?: TransformationLanguage;
  enabled?: boolean;
  variables?: Record<string, string> | null;
}

/** A stored transformation's language: one stored before there was a choice is JSONata. */
export function languageOf(t: EndpointTransformation | undefined): TransformationLanguage {
  return t?.language ?? "jsonata";
}

/**
 * The language of the code after a patch: said, or else guessed from new code (Svix's SDKs never
 * say), or else kept.
 */
export function patchedLanguage(
  current: EndpointTransformation | undefined,
  b: TransformationPatch,
  code: string | null,
) {
  return b.language ?? (b.code !== undefined || !current ? detectLanguage(code ?? "") : languageOf(current));
}

/** The transformation after a patch; an enabled one needs code. */
export function patchedTransformation(
  current: EndpointTransformation | undefined,
  b: TransformationPatch,
  now: number,
): EndpointTransformation {
  const code = b.code === undefined ? (current?.code ?? null) : b.code;
  const next: EndpointTransformation = {
    code,
    language: patchedLanguage(current, b, code),
    enabled: b.enabled ?? current?.enabled ?? false,
    variables: b.variables === undefined ? (current?.variables ?? null) : b.variables,
    updatedAt: now,
  };
  if (next.enabled && !next.code) throw new FieldError(["code"], "is required to enable the transformation", "missing");
  return next;
}
