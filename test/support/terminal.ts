import { spawn, spawnSync } from "node:child_process";
import { CLI_TIMEOUT_MS } from "./cli-client.ts";
import { BIN, childEnv, REPO_ROOT } from "./server-process.ts";

/**
 * Runs the real CLI on a pseudo-terminal, as a person at a shell would, so its interactive
 * questions can be tested: `script` (util-linux) gives the command a terminal for stdin, stdout and
 * stderr, and relays what the test writes to its stdin as typing. Each answer is typed only once
 * its prompt has appeared, as a person would (typing ahead could be discarded when the program
 * switches the terminal's mode).
 */

export interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed (stdout and stderr together, with what was typed echoed), `\r\n` as `\n`. */
  screen: string;
  timedOut: boolean;
}

/**
 * Why terminal tests cannot run here, or null: `script` is part of util-linux (Debian's bsdutils,
 * installed everywhere); without it they skip, except in CI, where a missing tool is a failure.
 */
export const noTerminal: string | null =
  spawnSync("script", ["--version"]).status === 0 || process.env.CI ? null : "`script` (util-linux) is not installed";

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `hookline <args>` on a terminal; when the screen shows `answers[i].prompt`, types `answers[i].type` and Enter. */
export function runOnTerminal(
  args: string[],
  env: Record<string, string>,
  answers: { prompt: string | RegExp; type: string }[],
): Promise<TerminalRun> {
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  // -q: no banner; -e: exit with the command's code; the typescript file is not wanted.
  const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
    cwd: REPO_ROOT,
    env: { ...childEnv(env), SHELL: "/bin/sh", TERM: "dumb" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let screen = "";
  let next = 0;
  let searchFrom = 0;
  let timedOut = false;
  const onOutput = (chunk: string) => {
    screen += chunk.replace(/\r\n/g, "\n");
    const answer = answers[next];
    if (!answer) return;
    const rest = screen.slice(searchFrom);
    const at = typeof answer.prompt === "string" ? rest.indexOf(answer.prompt) : rest.search(answer.prompt);
    if (at < 0) return;
    searchFrom = screen.length;
    next++;
    child.stdin.write(`${answer.type}\r`);
  };
  child.stdout.setEncoding("utf8").on("data", onOutput);
  child.stderr.setEncoding("utf8").on("data", onOutput);
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, CLI_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, screen, timedOut });
    }),
  );
}
