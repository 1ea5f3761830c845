import { ConfigError, loadConfig, parseFlags, settingsHelp, type Config } from "../config.ts";
import { migratePostgres } from "../store/postgres/migrate.ts";
import { migrateSqlite } from "../store/sqlite/open-database.ts";
import { isStoreUnavailable } from "../store/store-unavailable.ts";
import { startHookline, type Hookline } from "./hookline.ts";
import { splitTokenArgs, tokenCommand, TOKEN_USAGE } from "./token-command.ts";

const USAGE = `Usage: hookline <command> [flags]

Commands:
  serve      run the API and the delivery workers (the default)
  migrate    apply database migrations and exit
${TOKEN_USAGE}
  help       show this text

Flags (each also settable through the environment variable beside it):
${settingsHelp()}
`;

export async function main(argv: string[]): Promise<number> {
  const [command = "serve", ...rest] = argv;
  const isHelpFlag = (a: string) => a === "--help" || a === "-h";
  // `hookline serve --help` asks for the usage too, rather than being an unknown flag.
  if (
    command === "help" ||
    isHelpFlag(command) ||
    ((command === "serve" || command === "migrate") && rest.some(isHelpFlag))
  ) {
    process.stdout.write(USAGE);
    return 0;
  }
  // `token` has its own options and arguments before any configuration flags.
  const tokenArgs = command === "token" ? splitTokenArgs(rest.slice(1)) : null;
  let config;
  try {
    config = loadConfig(process.env, parseFlags(tokenArgs ? tokenArgs.rest : rest));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hookline: invalid configuration: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  if (command === "migrate") {
    let ran: string[];
    try {
      ran = config.databaseUrl
        ? await migratePostgres(config.databaseUrl, { connectTimeoutMs: config.databaseConnectTimeoutMs })
        : migrateSqlite(config.dataDir, { synchronous: config.sqliteSynchronous });
    } catch (error) {
      process.stderr.write(`hookline: could not migrate: ${describeStartError(error, config)}\n`);
      return 1;
    }
    process.stdout.write(ran.length ? `applied: ${ran.join(", ")}\n` : "database is up to date\n");
    return 0;
  }
  if (tokenArgs) {
    return tokenCommand(config, rest[0], tokenArgs.own, tokenArgs.positional, (line) =>
      process.stdout.write(line + "\n"),
    );
  }
  if (command !== "serve") {
    process.stderr.write(`hookline: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }

  let hookline: Hookline;
  try {
    hookline = await startHookline(config, {
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
    const { host } = new URL(config.databaseUrl);
    return (
      `the database at ${host} is unavailable: ${e.message} ` +
      "(HOOKLINE_DATABASE_URL / --database-url, HOOKLINE_DATABASE_CONNECT_TIMEOUT / --database-connect-timeout)"
    );
  }
  return e?.message ?? String(error);
}
