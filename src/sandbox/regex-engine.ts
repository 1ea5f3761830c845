import { RE2JS } from "re2js";

/**
 * JSONata's regular expressions run on RE2 (the pure-JavaScript port `re2js`), whose matching
 * time is linear in the input: no pattern can backtrack catastrophically. RE2 has no
 * backreferences and no lookaround; such patterns are refused (at create time by
 * `regexProblem`, and at run time for patterns built by `$eval`).
 *
 * JSONata's regex hook (`RegexEngine` option) constructs the engine with the literal's RegExp,
 * sets `lastIndex`, calls `exec(string)` and reads `lastIndex` back, as with a global RegExp.
 */

const compiled = new Map<string, RE2JS>();
const COMPILED_LIMIT = 500;

function compile(regexp: RegExp): RE2JS {
  const key = `${regexp.flags}/${regexp.source}`;
  let re = compiled.get(key);
  if (!re) {
    let flags = 0;
    if (regexp.flags.includes("i")) flags |= RE2JS.CASE_INSENSITIVE;
    if (regexp.flags.includes("m")) flags |= RE2JS.MULTILINE;
    re = RE2JS.compile(RE2JS.translateRegExp(regexp.source), flags);
    if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, re);
  }
  return re;
}

/** Why RE2 refuses a regular expression (e.g. a backreference), or null when it accepts it. */
export function regexProblem(regexp: RegExp): string | null {
  try {
    compile(regexp);
    return null;
  } catch (error) {
    return `regular expression /${regexp.source}/ is not supported (only linear-time RE2 syntax, without backreferences or lookaround): ${(error as Error).message}`;
  }
}

type ExecResult = string[] & { index: number; input: string };

export class Re2RegexEngine {
  lastIndex = 0;
  private readonly re: RE2JS;
  private matcherInput: string | null = null;
  private matcher: ReturnType<RE2JS["matcher"]> | null = null;

  constructor(regexp: RegExp) {
    try {
      this.re = compile(regexp);
    } catch (error) {
      throw new Error(regexProblem(regexp) ?? String(error));
    }
  }

  exec(input: string): ExecResult | null {
    // One matcher per input string: building one reads the whole input, and JSONata calls
    // exec once per match.
    if (this.matcherInput !== input || !this.matcher) {
      this.matcher = this.re.matcher(input);
      this.matcherInput = input;
    }
    const m = this.matcher;
    if (this.lastIndex > input.length || !m.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups = [m.group(0) ?? ""];
    for (let i = 1; i <= m.groupCount(); i++) groups.push(m.group(i) ?? (undefined as unknown as string));
    const result = groups as ExecResult;
    result.index = m.start();
    result.input = input;
    this.lastIndex = m.end();
    return result;
  }
}
