import { didYouMean } from "../core/did-you-mean.ts";
import { appCommands } from "./apps.ts";
import { flagLines, parseArgs } from "./args.ts";
import { ApiClient } from "./client.ts";
import { flagsOf, type CommandContext, type Family, type Subcommand } from "./command.ts";
import { bashCompletion, zshCompletion } from "./completion.ts";
import { credentialsFile, readCredentials } from "./credentials.ts";
import { endpointCommands } from "./endpoints.ts";
import { environmentCommands } from "./environment.ts";
import { taskCommands } from "./tasks.ts";
import { eventTypeCommands } from "./event-types.ts";
import { CliError, EXIT, usageError } from "./exit-codes.ts";
import { readStdinSync } from "./input.ts";
import { listenCommand } from "./listen.ts";
import { loginCommand, logoutCommand } from "./login.ts";
import { attemptCommands, messageCommands } from "./messages.ts";
import { chooseOutput } from "./output.ts";
import { applyFamily, planFamily } from "./plan-apply.ts";
import { replayFamily } from "./replay.ts";
import { sendExampleCommand } from "./send-example.ts";
import { signatureCommands } from "./signature.ts";
import { sourceCommands } from "./sources.ts";

/**
 * The `hookline` commands that are clients of a running server's API (and the local helpers
 * beside them): dispatched from src/main/cli.ts, documented in docs/cli.md.
 */

/** The server-side commands of src/main/cli.ts, for completion. */
const SERVER_COMMANDS = ["serve", "migrate", "token", "help"];

const completionCommand: Family = {
  name: "completion",
  summary: "print a shell completion script (bash or zsh)",
  single: {
    name: "completion",
    summary: "print a shell completion script (bash or zsh)",
    args: ["bash|zsh"],
    connects: false,
    example: "source <(hookline completion bash)",
    run: async (c) => {
      const shell = c.parsed.positionals[0];
      if (shell === "bash") c.out.write(bashCompletion(CLIENT_FAMILIES, SERVER_COMMANDS));
      else if (shell === "zsh") c.out.write(zshCompletion(CLIENT_FAMILIES, SERVER_COMMANDS));
      else
        throw usageError(
          shell === undefined ? "name the shell: bash or zsh" : `no completion for "${shell}": bash or zsh`,
        );
    },
  },
};

export const CLIENT_FAMILIES: Family[] = [
  appCommands,
  endpointCommands,
  eventTypeCommands,
  messageCommands,
  attemptCommands,
  sourceCommands,
  environmentCommands,
  planFamily,
  applyFamily,
  listenCommand,
  replayFamily,
  taskCommands,
  sendExampleCommand,
  signatureCommands,
  loginCommand,
  logoutCommand,
  completionCommand,
];

const familyOf = (name: string) => CLIENT_FAMILIES.find((f) => f.name === name);

export const isClientCommand = (name: string) => familyOf(name) !== undefined;
export const clientCommandNames = () => CLIENT_FAMILIES.map((f) => f.name);

/** The client commands' lines of `hookline help`. */
export function clientCommandsSummary(): string {
  return CLIENT_FAMILIES.map((f) => `  ${f.name.padEnd(14)}${f.summary}`).join("\n");
}

function subcommandHelp(family: Family, sub: Subcommand): string {
  const words = family.single ? family.name : `${family.name} ${sub.name}`;
  const required = (sub.flags ?? []).filter((f) => f.required).map((f) => `--${f.name} ${f.value ?? ""}`.trim());
  const usage = ["hookline", words, ...(sub.args ?? []), ...required, "[flags]"].join(" ");
  const connection =
    sub.connects === false
      ? ""
      : "\nConnection: --url/--token, else HOOKLINE_URL/HOOKLINE_TOKEN, else what `hookline login` stored.\n" +
        "Exit codes: 0 ok, 2 usage, 3 auth, 4 not found, 5 validation, 6 network, 7 server (docs/cli.md).\n";
  return (
    `Usage: ${usage}\n\n${sub.summary[0]!.toUpperCase()}${sub.summary.slice(1)}.\n` +
    (sub.description ? `${sub.description}\n` : "") +
    `\nFlags:\n${flagLines(flagsOf(sub))}\n${connection}\nExample:\n  ${sub.example}\n`
  );
}

function familyHelp(family: Family): string {
  if (family.single) return subcommandHelp(family, family.single);
  const subs = family.subcommands!;
  const width = Math.max(...subs.map((s) => s.name.length)) + 2;
  return (
    `Usage: hookline ${family.name} <subcommand> [flags]\n\n${family.summary[0]!.toUpperCase()}${family.summary.slice(1)}.\n\n` +
    `Subcommands:\n${subs.map((s) => `  ${s.name.padEnd(width)}${s.summary}`).join("\n")}\n\n` +
    `  hookline ${family.name} <subcommand> --help   its flags, their defaults and an example\n\n` +
    `Example:\n  ${subs[0]!.example}\n`
  );
}

/** `hookline help <command>` for a client command. */
export function clientHelp(name: string): string | undefined {
  const family = familyOf(name);
  return family && familyHelp(family);
}

export interface ClientIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

const defaultIo = (): ClientIo => ({
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: process.stdout.isTTY === true,
});

const isHelpFlag = (a: string) => a === "--help" || a === "-h";

/** Runs one client command; resolves to its exit code (exit-codes.ts). */
export async function runClientCommand(name: string, argv: string[], io: ClientIo = defaultIo()): Promise<number> {
  const family = familyOf(name)!;
  let sub = family.single;
  let rest = argv;
  if (!sub) {
    const subName = argv[0];
    if (subName === undefined || isHelpFlag(subName)) {
      (subName === undefined ? io.stderr : io.stdout)(familyHelp(family));
      return subName === undefined ? EXIT.usage : EXIT.ok;
    }
    sub = family.subcommands!.find((s) => s.name === subName);
    if (!sub) {
      const names = family.subcommands!.map((s) => s.name);
      io.stderr(
        `hookline: unknown ${family.name} subcommand "${subName}"${didYouMean(subName, names)}\n\n${familyHelp(family)}`,
      );
      return EXIT.usage;
    }
    rest = argv.slice(1);
  }
  if (rest.some(isHelpFlag)) {
    io.stdout(subcommandHelp(family, sub));
    return EXIT.ok;
  }
  const words = family.single ? family.name : `${family.name} ${sub.name}`;
  let tokenSource = "";
  try {
    const parsed = parseArgs(rest, flagsOf(sub));
    const allowed = sub.args?.length ?? 0;
    if (parsed.positionals.length > allowed) throw usageError(`unexpected argument "${parsed.positionals[allowed]}"`);
    let client: ApiClient | undefined;
    const context: CommandContext = {
      parsed,
      out: chooseOutput(parsed.flags, io.isTTY, io.stdout),
      note: io.stderr,
      env: io.env,
      readStdin: readStdinSync,
      client: () => {
        if (!client) {
          const connection = resolveConnection(parsed.flags, io.env);
          tokenSource = connection.tokenSource;
          client = new ApiClient(connection);
        }
        return client;
      },
    };
    return (await sub.run(context)) ?? EXIT.ok;
  } catch (error) {
    if (!(error instanceof CliError)) {
      io.stderr(`hookline: ${words}: ${(error as Error)?.stack ?? String(error)}\n`);
      return EXIT.failure;
    }
    let message = `hookline: ${words}: ${error.message}\n`;
    if (error.code === EXIT.usage) message += `(hookline ${words} --help shows its flags)\n`;
    if (error.code === EXIT.auth && tokenSource === "none")
      message += "(no token: pass --token, set HOOKLINE_TOKEN, or run `hookline login`)\n";
    io.stderr(message);
    return error.code;
  }
}

/**
 * Flags win over the environment, which wins over `hookline login`'s file. The stored token is
 * only sent to the server it was stored for, never to another URL given by flag or variable.
 */
function resolveConnection(flags: Record<string, string | true>, env: NodeJS.ProcessEnv) {
  const flagUrl = typeof flags.url === "string" ? flags.url : undefined;
  const flagToken = typeof flags.token === "string" ? flags.token : undefined;
  const givenUrl = flagUrl ?? env.HOOKLINE_URL;
  const givenToken = flagToken ?? env.HOOKLINE_TOKEN;
  // The file is read only when something is missing, so a broken one does not stop explicit use.
  const stored = givenUrl !== undefined && givenToken !== undefined ? null : readCredentials(credentialsFile(env));
  const url = givenUrl ?? stored?.url;
  if (!url) throw usageError("no server: pass --url, set HOOKLINE_URL, or run `hookline login`");
  const token = givenToken ?? (stored && stored.url === url ? stored.token : null);
  const tokenSource =
    flagToken !== undefined ? "flag" : env.HOOKLINE_TOKEN !== undefined ? "env" : token ? "file" : "none";
  return { url, token: token || null, tokenSource };
}
