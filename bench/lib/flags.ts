/**
 * The command-line flags of the benchmarks: `--name value`, `--name=value`, and bare boolean flags.
 * An unknown flag is an error (a mistyped flag must not run a long benchmark with its default), and
 * `--help` prints the benchmark's own header comment, which lists its flags.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface FlagSpec {
  /** Every flag the benchmark takes, booleans included. */
  known: readonly string[];
  /** Flags that take no value (present means "true"). */
  booleans?: readonly string[];
  /** The benchmark's `import.meta.url`: `--help` prints that file's first comment. */
  helpFrom: string;
}

export function parseFlags(argv: string[], spec: FlagSpec): Map<string, string> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usageOf(spec.helpFrom));
    process.exit(0);
  }
  const booleans = new Set(spec.booleans ?? []);
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (eq !== -1) flags.set(name, arg.slice(eq + 1));
    else if (booleans.has(name)) flags.set(name, "true");
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new Error(`${arg} needs a value`);
      flags.set(name, value);
      i++;
    }
  }
  for (const k of flags.keys()) if (!spec.known.includes(k)) throw new Error(`unknown flag --${k} (--help lists them)`);
  return flags;
}

/** The number given for `--name` (underscores allowed as separators), or `fallback`; must lie in min..max. */
export function numberFlag(flags: Map<string, string>, name: string, fallback: number, min: number, max: number) {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ""));
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in ${min}..${max}`);
  return n;
}

function usageOf(fileUrl: string): string {
  const source = readFileSync(fileURLToPath(fileUrl), "utf8");
  const comment = /\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? "";
  return comment
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim();
}
