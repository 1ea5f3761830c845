import pino from "pino";
import {
  clientCommandNames,
  clientCommandsSummary,
  clientHelp,
  isClientCommand,
  runClientCommand,
} from "../cli/run.ts";
import { ConfigError, loadConfig, parseFlags, type Config } from "../config.ts";
import { didYouMean } from "../core/did-you-mean.ts";
import { parseDatabaseAddress } from "../store/postgres/database-address.ts";
import { isStoreUnavailable } from "../store/store-unavailable.ts";
import { unknownVariableWarnings } from "./environment-check.ts";
import type { Hookline } from "./hookline.ts";
import { configurationReference, nonDefaultSettings, settingLines, tracingReference } from "./settings-reference.ts";
import { splitTokenArgs, tokenHelp, TOKEN_FLAGS, TOKEN_SUMMARY } from "./token-args.ts";
import { VERSION } from "./version.ts";
import { boundHeapGrowth } from "./heap-growth.ts";

const USAGE = `Usage: hookline <command> [flags]

Commands:
  serve      run the API and the delivery workers (the default command)
  migrate    apply database migrations and exit
${TOKEN_SUMMARY}
  help       show this text

API clients of a running server (docs/cli.md):
${clientCommandsSummary()}

  hookline <command> --help   what one command does, its flags with their defaults, and an example
  hookline --version          print the version

Every setting is an environment variable and a flag of \`serve\` (HOOKLINE_PORT=9090 or --port 9090);
\`hookline serve --help\` lists them all with their defaults, meaning and an example.

Example:
  HOOKLINE_ALLOW_PRIVATE_NETWORKS=127.0.0.1/32 hookline serve --port 9090
`;

const SERVE_HELP = `Usage: hookline serve [flags]

Runs the API and the delivery workers (HOOKLINE_ROLE chooses: all, api or worker) until SIGTERM or SIGINT.
Every setting is an environment variable and a flag of the same name: --port 9090 or --port=9090; a flag wins
over the variable. Values are checked at start-up; a bad one stops the process (exit code 2) naming it, and an
unknown HOOKLINE_* variable is warned about. The version and the settings that differ from their defaults
(secrets hidden) are logged at start-up.

Settings:
${configurationReference()}

Tracing (OpenTelemetry's own variables; off unless an OTLP endpoint or OTEL_TRACES_EXPORTER is set):
${tracingReference()}

Example:
  HOOKLINE_ALLOW_PRIVATE_NETWORKS=127.0.0.1/32 hookline serve --port 9090 --log-level warn
`;

const MIGRATE_HELP = `Usage: hookline migrate [flags]

Applies the database migrations the database lacks, prints the files it applied (or "database is up to
date") and exits. \`hookline serve\` does the same at every start; this runs them as a step of their own.
See docs/upgrading.md.

Flags (each also an environment variable):
${settingLines(["dataDir", "databaseUrl", "sqliteSynchronous", "databaseConnectTimeout"])}
  Every other setting of \`hookline serve --help\` is accepted too.

Example:
  HOOKLINE_DATABASE_URL=postgres://hookline:secret@db.internal:5432/hookline hookline migrate
`;

const HELP: Record<string, () => string> = {
  serve: () => SERVE_HELP,
  migrate: () => MIGRATE_HELP,
  token: tokenHelp,
  help: () => USAGE,
};

const isHelpFlag = (a: string) => a === "--help" || a === "-h";
const isVersionFlag = (a: string) => a === "--version" || a === "-v" || a === "version";

export async function main(argv: string[]): Promise<number> {
  const [first = "serve", ...afterFirst] = argv;
  if (isVersionFlag(first)) {
    process.stdout.write(`hookline ${VERSION}\n`);
    return 0;
  }
  if (isHelpFlag(first)) {
    process.stdout.write(USAGE);
    return 0;
  }
  // Flags without a command are flags of `serve`, the default command.
  const [command, rest] = first.startsWith("-") ? ["serve", argv] : [first, afterFirst];
  if (command === "help") {
    const topic = rest[0];
    const help = topic === undefined ? USAGE : (HELP[topic]?.() ?? clientHelp(topic));
    if (help === undefined) return unknownCommand(topic!);
    process.stdout.write(help);
    return 0;
  }
  // The API-client commands parse their own flags and never load the server's configuration.
  if (isClientCommand(command)) return runClientCommand(command, rest);
  if (!(command in HELP)) return unknownCommand(command);
  if (rest.some(isHelpFlag)) {
    process.stdout.write(HELP[command]!());
    return 0;
  }

  // `token` has its own options and arguments before any configuration flags.
  const tokenArgs = command === "token" ? splitTokenArgs(rest.slice(1)) : null;
  let config: Config;
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(tokenArgs ? tokenArgs.rest : rest, command === "token" ? TOKEN_FLAGS : []);
    config = loadConfig(process.env, flags);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hookline: invalid configuration: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // A misspelt variable would otherwise leave its setting silently at the default.
  for (const warning of unknownVariableWarnings(process.env)) process.stderr.write(`hookline: warning: ${warning}\n`);

  if (command === "migrate") {
    let ran: string[];
    try {
      ran = config.databaseUrl
        ? await (
            await import("../store/postgres/migrate.ts")
          ).migratePostgres(config.databaseUrl, { connectTimeoutMs: config.databaseConnectTimeoutMs })
        : (await import("../store/sqlite/open-database.ts")).migrateSqlite(config.dataDir, {
            synchronous: config.sqliteSynchronous,
          });
    } catch (error) {
      process.stderr.write(`hookline: could not migrate: ${describeStartError(error, config)}\n`);
      return 1;
    }
    process.stdout.write(ran.length ? `applied: ${ran.join(", ")}\n` : "database is up to date\n");
    return 0;
  }
  if (tokenArgs) {
    try {
      // Loaded here, not at the top: it brings the store and the server with it (token-args.ts).
      const { tokenCommand } = await import("./token-command.ts");
      return await tokenCommand(
        config,
        rest[0],
        tokenArgs,
        (line) => process.stdout.write(line + "\n"),
        (line) => process.stderr.write(line + "\n"),
      );
    } catch (error) {
      process.stderr.write(`hookline: ${describeStartError(error, config)}\n`);
      return 1;
    }
  }

  const log = pino({ level: config.logLevel, base: undefined });
  const settings = Object.fromEntries(nonDefaultSettings(process.env, flags).map((s) => [s.env, s.value]));
  log.info({ version: VERSION, node: process.version, settings }, "hookline starting");
  let hookline: Hookline;
  // Before the server allocates: keeps the resident size near twice the live heap (./heap-growth.ts).
  boundHeapGrowth();
  try {
    const { startHookline } = await import("./hookline.ts");
    hookline = await startHookline(config, {
      logger: log,
      settingsGiven: { env: process.env, flags },
      onGeneratedToken: (token, file) => {
        process.stdout.write(
          `\nGenerated an admin API token (shown once; also stored in ${file}):\n\n  ${token}\n\n` +
            `Use it as:  Authorization: Bearer ${token}\n\n`,
        );
      },
    });
  } catch (error) {
    // Start-up failures the operator has to fix (port taken, unusable data directory) get one
    // line naming the cause and the setting, not a stack trace.
    if (error instanceof ConfigError) {
      process.stderr.write(`hookline: invalid configuration: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`hookline: could not start: ${describeStartError(error, config)}\n`);
    return 1;
  }
  // The web console is one click away (docs/console.md); a worker-only process serves none.
  if (config.role !== "worker") process.stdout.write(`\nConsole: ${hookline.url}/  (sign in with an admin token)\n\n`);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      hookline.ctx.log.info({ signal }, "shutting down");
      hookline.stop().then(resolve, (error: unknown) => {
        hookline.ctx.log.error({ err: error }, "shutdown failed");
        resolve();
      });
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
  return 0;
}

function unknownCommand(command: string): number {
  process.stderr.write(
    `hookline: unknown command "${command}"${didYouMean(command, [...Object.keys(HELP), ...clientCommandNames()])}\n\n${USAGE}`,
  );
  return 2;
}

function describeStartError(error: unknown, config: Config): string {
  const e = error as NodeJS.ErrnoException;
  const where = `${config.host}:${config.port}`;
  if (e?.code === "EADDRINUSE") return `${where} is already in use (HOOKLINE_PORT / --port, HOOKLINE_HOST / --host)`;
  if (e?.code === "EADDRNOTAVAIL") return `${where} is not an address of this machine (HOOKLINE_HOST / --host)`;
  if (e?.code === "EACCES" && e.syscall === "listen")
    return `no permission to listen on ${where} (HOOKLINE_PORT / --port)`;
  if (e?.code && e.path?.startsWith(config.dataDir))
    return `cannot use the data directory ${config.dataDir} (HOOKLINE_DATA_DIR / --data-dir): ${e.message}`;
  if (config.databaseUrl && isStoreUnavailable(error)) {
    // The host and port only: the URL may carry a password.
    const host = parseDatabaseAddress(config.databaseUrl).label;
    return (
      `the database at ${host} is unavailable: ${e.message} ` +
      "(HOOKLINE_DATABASE_URL / --database-url, HOOKLINE_DATABASE_CONNECT_TIMEOUT / --database-connect-timeout)"
    );
  }
  return e?.message ?? String(error);
}
