import { createInterface } from "node:readline/promises";
import type { CommandContext } from "./command.ts";
import { usageError } from "./exit-codes.ts";

/**
 * Asks `question` on the terminal before a command changes the server (apply, replay, recover,
 * expunge). `--yes` answers for the user; without a terminal to ask on (CI, a pipe) and without
 * `--yes` it is a usage error (exit 2) before anything changes.
 */
export async function confirmed(c: CommandContext, question: string, what: string): Promise<boolean> {
  if (c.parsed.flags.yes === true) return true;
  if (!process.stdin.isTTY) throw usageError(`${what}: confirm with --yes when there is no terminal to ask on`);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

export const YES_FLAG = { name: "yes", short: "y", description: "go ahead without asking" };
export const DRY_RUN_FLAG = { name: "dry-run", description: "only count what would change, and show the first few" };
