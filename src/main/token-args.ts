import { TOKEN_CACHE_MS } from "../api/auth.ts";
import { settingLines } from "./settings-reference.ts";

/*
 * The token command's flags and help, apart from the command itself (token-command.ts): \`hookline
 * --version\`, \`help\` and every API-client command read these at start, and importing the command
 * would load the whole server with them (about 1.5 s of CPU per start, docs/cli.md).
 */

/** The token command's own flags (the configuration flags follow them). */
export const TOKEN_FLAGS = ["--name", "--expires-in", "--allowed-ips", "--create", "--help"] as const;
const VALUED = new Set(["--name", "--expires-in", "--allowed-ips"]);
const SWITCHES = new Set(["--create", "--help", "-h"]);

export const REVOCATION_DELAY_S = Math.ceil(TOKEN_CACHE_MS / 1000);

export const TOKEN_SUMMARY = `  token      create, list and revoke admin API tokens in the database (\`hookline token --help\`)`;

export function tokenHelp(): string {
  return `Usage: hookline token <create|list|revoke> [flags]

Manages admin API tokens directly in the database the configuration points at: the SQLite database in the data
directory (HOOKLINE_DATA_DIR / --data-dir), or HOOKLINE_DATABASE_URL. Run it where the server's data directory is,
or point --data-dir at it. Servers need not be stopped.

  token create [--name NAME] [--expires-in SECONDS] [--allowed-ips LIST]
                                                      create an admin token; its value is printed once
  token list                                          list tokens: id, state, scope, name (never their values)
  token revoke ID                                     revoke a token

Flags:
  --name NAME             a label shown by \`token list\`; default: none
  --expires-in SECONDS    lifetime of a created token, at least 60; default: never expires
  --allowed-ips LIST      comma-separated addresses, CIDRs and list:NAME references the created token may be
                          used from (elsewhere: 403 and an audit log entry); default: anywhere
  --create                create the database if there is none yet; default: refuse, since an empty new
                          database is almost always a wrong data directory
${settingLines(["dataDir", "databaseUrl"])}
  Every other setting of \`hookline serve --help\` is accepted too.

A revocation applies at once to new checks, but each running server trusts a token it has looked up for up
to ${REVOCATION_DELAY_S} seconds: a revoked token stops working everywhere within ${REVOCATION_DELAY_S} seconds.

Examples:
  hookline token create --name ci --expires-in 86400 --data-dir /var/lib/hookline
  hookline token list --data-dir /var/lib/hookline
  hookline token revoke tok_2KWPBgLlAfxdpx2AI54pPJ85f4W --data-dir /var/lib/hookline
`;
}

export interface TokenArgs {
  own: Record<string, string>;
  switches: Set<string>;
  positional: string[];
  /** Configuration flags, for parseFlags. */
  rest: string[];
}

/** Splits the token command's own options from the configuration flags that follow them. */
export function splitTokenArgs(args: string[]): TokenArgs {
  const own: Record<string, string> = {};
  const switches = new Set<string>();
  const positional: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (VALUED.has(flag)) own[flag.slice(2)] = inline ?? args[++i] ?? "";
    else if (SWITCHES.has(arg)) switches.add(arg === "-h" ? "--help" : arg);
    else if (!arg.startsWith("--")) positional.push(arg);
    else {
      rest.push(arg);
      if (inline === undefined && args[i + 1] !== undefined && !args[i + 1]!.startsWith("--")) rest.push(args[++i]!);
    }
  }
  return { own, switches, positional, rest };
}
