import { readFileSync } from "node:fs";
import { flagValue, type ParsedArgs } from "./args.ts";
import { usageError } from "./exit-codes.ts";

/**
 * The exact bytes of a command's input: `--data '{…}'`, `--data @file.json`, `-f file.json`, where
 * a file named `-` is stdin. Undefined when none was given.
 */
export function readInputBytes(parsed: ParsedArgs, readStdin: () => Buffer): Buffer | undefined {
  const data = flagValue(parsed, "data");
  const file = flagValue(parsed, "file");
  if (data !== undefined && file !== undefined) throw usageError("give --data or -f/--file, not both");
  if (data === undefined && file === undefined) return undefined;
  if (data !== undefined && !data.startsWith("@")) return Buffer.from(data);
  const name = file ?? data!.slice(1);
  if (name === "-") return readStdin();
  try {
    return readFileSync(name);
  } catch (error) {
    throw usageError(`cannot read ${name}: ${(error as Error).message}`);
  }
}

export function readInputText(parsed: ParsedArgs, readStdin: () => Buffer): string | undefined {
  return readInputBytes(parsed, readStdin)?.toString("utf8");
}

/** The input parsed as a JSON object (a resource's body), or undefined when none was given. */
export function readJsonInput(parsed: ParsedArgs, readStdin: () => Buffer): Record<string, unknown> | undefined {
  const text = readInputText(parsed, readStdin);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`the input is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw usageError("the input must be a JSON object");
  return value as Record<string, unknown>;
}

export function readStdinSync(): Buffer {
  try {
    return readFileSync(0);
  } catch (error) {
    throw usageError(`cannot read stdin: ${(error as Error).message}`);
  }
}
