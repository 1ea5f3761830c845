import type { Language } from "../sandbox/protocol.ts";

/**
 * Which language a transformation is written in, when its request does not say: Svix's SDKs send
 * only `code`, and Svix's transformations are JavaScript defining `handler`. A declaration of a
 * function or variable named `handler` is not valid JSONata (`function` there takes no name, and
 * JSONata has no `const`/`let`/`var`), so the two cannot be confused; anything else stays JSONata,
 * the language Hookline accepted before. See docs/api.md, "Transformations".
 */
const DECLARES_HANDLER = /\b(?:function\s*\*?\s*handler\s*\(|(?:const|let|var)\s+handler\s*=)/;

export type TransformationLanguage = Language;

export function detectLanguage(code: string): TransformationLanguage {
  return DECLARES_HANDLER.test(code) ? "javascript" : "jsonata";
}
