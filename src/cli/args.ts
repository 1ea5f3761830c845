import { didYouMean } from "../core/did-you-mean.ts";
import { usageError } from "./exit-codes.ts";

/** One flag a command accepts. `value` names its argument (`<id>`); a flag without one is a switch. */
export interface FlagSpec {
  name: string;
  short?: string;
  value?: string;
  description: string;
  /** Shown in --help; the command applies it itself. */
  default?: string;
  required?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | true>;
}

/**
 * Splits a command line into positionals and the flags of `specs`: `--name value`, `--name=value`,
 * `-f value` and switches. An unknown flag is a usage error naming the closest known one. A lone
 * `-` is a positional (stdin); `--` ends the flags.
 */
export function parseArgs(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const written = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = written.startsWith("--")
      ? specs.find((s) => s.name === written.slice(2))
      : specs.find((s) => s.short !== undefined && s.short === written.slice(1));
    if (!spec) {
      const names = specs.map((s) => `--${s.name}`);
      throw usageError(`unknown flag ${written}${didYouMean(written, names)}`);
    }
    if (spec.value === undefined) {
      if (eq > 0) throw usageError(`--${spec.name} takes no value`);
      flags[spec.name] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw usageError(`--${spec.name} needs a value ${spec.value}`);
    flags[spec.name] = value;
  }
  for (const spec of specs) {
    if (spec.required && flags[spec.name] === undefined)
      throw usageError(`--${spec.name} ${spec.value ?? ""} is required`);
  }
  return { positionals, flags };
}

/** The string value of a flag, or undefined. */
export function flagValue(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.flags[name];
  return typeof v === "string" ? v : undefined;
}

/** A comma-separated flag as a list (`--event-types a,b`). */
export function listFlag(parsed: ParsedArgs, name: string): string[] | undefined {
  const v = flagValue(parsed, name);
  return v === undefined
    ? undefined
    : v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
}

/** The flag lines of a help text: `  --app <id>   meaning (default: x)`. */
export function flagLines(specs: FlagSpec[]): string {
  const left = specs.map((s) => `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.value ? ` ${s.value}` : ""}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return specs
    .map((s, i) => {
      const notes = [s.required ? "required" : null, s.default !== undefined ? `default: ${s.default}` : null]
        .filter(Boolean)
        .join("; ");
      return `  ${left[i]!.padEnd(width)}${s.description}${notes ? ` (${notes})` : ""}`;
    })
    .join("\n");
}
