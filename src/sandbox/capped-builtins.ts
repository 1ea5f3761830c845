import jsonata from "jsonata";
import { MAX_SEQUENCE_LENGTH, MAX_STRING_LENGTH } from "./limits.ts";

/**
 * JSONata built-ins that can allocate far more than their input (a `$pad` to a billion
 * characters, a `$join` or `$string` of a huge structure, a `$split` into single characters)
 * are replaced by versions that check the size first and raise an ordinary evaluation error.
 * Without these checks such a call either takes seconds inside one built-in or ends in a V8
 * fatal "invalid size" error that aborts the whole process (the sandbox process, at least).
 * Every string a replaced built-in takes or builds is at most MAX_STRING_LENGTH characters,
 * every array at most MAX_SEQUENCE_LENGTH items (docs/operations.md, "Expression sandbox").
 */

/** Raised when an evaluation would exceed a size limit; the message says which. */
export class LimitError extends Error {
  /** JSONata keeps the message of an error whose code it does not know. */
  readonly code = "HL_LIMIT";
}

type Implementation = (this: unknown, ...args: unknown[]) => unknown;
interface BuiltinDefinition {
  implementation: Implementation;
}

/** JSONata's own signatures of the built-ins replaced here (see its function table). */
const SIGNATURES = {
  string: "<x-b?:s>",
  substring: "<s-nn?:s>",
  substringBefore: "<s-s:s>",
  substringAfter: "<s-s:s>",
  lowercase: "<s-:s>",
  uppercase: "<s-:s>",
  trim: "<s-:s>",
  pad: "<s-ns?:s>",
  match: "<s-f<s:o>n?:a<o>>",
  contains: "<s-(sf):b>",
  replace: "<s-(sf)(sf)n?:s>",
  split: "<s-(sf)n?:a<s>>",
  join: "<a<s>s?:s>",
  append: "<xx:a>",
  base64encode: "<s-:s>",
  base64decode: "<s-:s>",
  encodeUrlComponent: "<s-:s>",
  encodeUrl: "<s-:s>",
  decodeUrlComponent: "<s-:s>",
  decodeUrl: "<s-:s>",
  eval: "<sx?:x>",
} as const;
type Name = keyof typeof SIGNATURES;

const originals = new Map<Name, Implementation>();
for (const name of Object.keys(SIGNATURES) as Name[]) {
  const definition = (await jsonata(`$${name}`).evaluate({})) as BuiltinDefinition;
  originals.set(name, definition.implementation);
}

function tooLong(name: string, what: string, length: number, limit: number, unit: string): never {
  throw new LimitError(`$${name} would ${what} ${length} ${unit} (the limit is ${limit})`);
}

function checkString(name: string, value: unknown, what = "take a string of"): void {
  if (typeof value === "string" && value.length > MAX_STRING_LENGTH)
    tooLong(name, what, value.length, MAX_STRING_LENGTH, "characters");
}

function checkArray(name: string, value: unknown, what = "build an array of"): void {
  if (Array.isArray(value) && value.length > MAX_SEQUENCE_LENGTH)
    tooLong(name, what, value.length, MAX_SEQUENCE_LENGTH, "items");
}

/**
 * Whether the JSON text of `value` would be longer than about `limit` characters (escapes not
 * counted), walked only until it passes: a structure that references one big object many times
 * is small in memory and huge as text, and must be refused before it is written out.
 */
export function jsonLengthExceeds(value: unknown, limit: number): boolean {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") total += v.length + 2;
    else if (v === null || typeof v !== "object") total += 5;
    else if (Array.isArray(v)) {
      total += v.length + 2;
      for (const item of v) stack.push(item);
    } else {
      for (const [key, item] of Object.entries(v)) {
        total += key.length + 4;
        stack.push(item);
      }
    }
    if (total > limit) return true;
  }
  return false;
}

/** Wraps a built-in: its string arguments are checked, then `before`, then its result. */
function capped(name: Name, before?: (...args: never[]) => void): Implementation {
  const original = originals.get(name)!;
  return function (this: unknown, ...args: unknown[]) {
    for (const arg of args) checkString(name, arg);
    (before as ((...a: unknown[]) => void) | undefined)?.(...args);
    const result = original.apply(this, args);
    const check = (value: unknown) => {
      checkString(name, value, "build a string of");
      checkArray(name, value);
      return value;
    };
    return result instanceof Promise ? result.then(check) : check(result);
  };
}

const REPLACEMENTS: Record<Name, Implementation> = {
  string: capped("string", (value: unknown, prettify?: boolean) => {
    if (typeof value === "object" && value !== null && jsonLengthExceeds(value, MAX_STRING_LENGTH / (prettify ? 4 : 1)))
      throw new LimitError(`$string would build a string longer than ${MAX_STRING_LENGTH} characters`);
  }),
  substring: capped("substring"),
  substringBefore: capped("substringBefore"),
  substringAfter: capped("substringAfter"),
  lowercase: capped("lowercase"),
  uppercase: capped("uppercase"),
  trim: capped("trim"),
  pad: capped("pad", (str: string | undefined, width: number, char?: string) => {
    // JSONata builds width x fill-length characters before cutting the padding to size.
    const built = Math.abs(Math.trunc(width)) * Math.max(1, char?.length ?? 1);
    if (str !== undefined && built > MAX_STRING_LENGTH)
      tooLong("pad", "build a string of", built, MAX_STRING_LENGTH, "characters");
  }),
  match: capped("match"),
  contains: capped("contains"),
  replace: capped("replace", (str: string | undefined, pattern: unknown, replacement: unknown, limit?: number) => {
    // Each match adds at most the replacement's length: count matches only when that bound is over,
    // and only until the result is known to be too long.
    if (str === undefined || typeof replacement !== "string") return;
    const matches = Math.min(limit ?? Infinity, str.length + 1);
    if (str.length + matches * replacement.length <= MAX_STRING_LENGTH) return;
    if (typeof pattern !== "string" || pattern.length === 0) return;
    const growth = replacement.length - pattern.length;
    if (growth <= 0) return;
    const allowed = Math.floor((MAX_STRING_LENGTH - str.length) / growth);
    let count = 0;
    for (let at = str.indexOf(pattern); at !== -1 && count < matches; at = str.indexOf(pattern, at + pattern.length)) {
      if (++count > allowed)
        throw new LimitError(`$replace would build a string of more than ${MAX_STRING_LENGTH} characters`);
    }
  }),
  split: capped("split", (str: string | undefined, separator: unknown, limit?: number) => {
    if (str === undefined || separator !== "") return;
    const pieces = Math.min(limit ?? Infinity, str.length);
    if (pieces > MAX_SEQUENCE_LENGTH) tooLong("split", "build an array of", pieces, MAX_SEQUENCE_LENGTH, "items");
  }),
  join: capped("join", (strs: string[] | undefined, separator?: string) => {
    if (!Array.isArray(strs)) return;
    let total = Math.max(0, strs.length - 1) * (separator?.length ?? 0);
    for (const s of strs) total += typeof s === "string" ? s.length : 0;
    if (total > MAX_STRING_LENGTH) tooLong("join", "build a string of", total, MAX_STRING_LENGTH, "characters");
  }),
  append: capped("append", (a: unknown, b: unknown) => {
    const size = (v: unknown) => (v === undefined ? 0 : Array.isArray(v) ? v.length : 1);
    const total = size(a) + size(b);
    if (total > MAX_SEQUENCE_LENGTH) tooLong("append", "build an array of", total, MAX_SEQUENCE_LENGTH, "items");
  }),
  base64encode: capped("base64encode"),
  base64decode: capped("base64decode"),
  encodeUrlComponent: capped("encodeUrlComponent"),
  encodeUrl: capped("encodeUrl"),
  decodeUrlComponent: capped("decodeUrlComponent"),
  decodeUrl: capped("decodeUrl"),
  eval: capped("eval"),
};

/** Replaces the size-sensitive built-ins in one compiled expression (they shadow JSONata's own). */
export function installCappedBuiltins(expression: jsonata.Expression): void {
  for (const name of Object.keys(SIGNATURES) as Name[]) {
    expression.registerFunction(name, REPLACEMENTS[name], SIGNATURES[name]);
  }
}
