import { existsSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { LIST_REFERENCE_PREFIX } from "../access/address-rules.ts";
import { MAX_INLINE_ENTRIES, parseAddressRange } from "../access/address-set.ts";
import type { Config } from "../config.ts";
import { issueToken } from "../core/api-tokens.ts";
import { PLAINTEXT } from "../core/secret-box.ts";
import { DatabaseConnector } from "../store/postgres/connection.ts";
import { parseDatabaseAddress } from "../store/postgres/database-address.ts";
import { DATABASE_FILE } from "../store/sqlite/open-database.ts";
import { openStore } from "./hookline.ts";
import { REVOCATION_DELAY_S, tokenHelp, type TokenArgs } from "./token-args.ts";

export { splitTokenArgs, tokenHelp, TOKEN_FLAGS, TOKEN_SUMMARY, type TokenArgs } from "./token-args.ts";

/**
 * Whether a Hookline database already exists where the configuration points: the SQLite file in
 * the data directory, or Hookline's migration table in the PostgreSQL database.
 */
async function databaseExists(config: Config): Promise<boolean> {
  if (config.databaseUrl === null) return existsSync(path.join(config.dataDir, DATABASE_FILE));
  const connector = new DatabaseConnector(config.databaseUrl, {
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
  });
  const client = await connector.connect("hookline-token");
  try {
    const { rows } = await client.query<{ present: boolean }>(
      "SELECT to_regclass('schema_migration') IS NOT NULL AS present",
    );
    return rows[0]?.present === true;
  } finally {
    await client.end();
  }
}

function where(config: Config): string {
  if (config.databaseUrl === null) return `the data directory ${config.dataDir} (HOOKLINE_DATA_DIR / --data-dir)`;
  return `the database at ${parseDatabaseAddress(config.databaseUrl).label} (HOOKLINE_DATABASE_URL / --database-url)`;
}

/** `hookline token …`: manages API tokens directly in the store the configuration points at. */
export async function tokenCommand(
  config: Config,
  sub: string | undefined,
  args: TokenArgs,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  if (sub !== "create" && sub !== "list" && sub !== "revoke") {
    err(sub === undefined ? "hookline: token needs a subcommand" : `hookline: unknown token subcommand "${sub}"`);
    err(tokenHelp());
    return 2;
  }
  if (sub === "revoke" && !args.positional[0]) {
    err("hookline: token revoke needs the token's id (`hookline token list` shows them)");
    return 2;
  }
  const expiresIn = args.own["expires-in"] ? Number(args.own["expires-in"]) : null;
  if (expiresIn !== null && (!Number.isInteger(expiresIn) || expiresIn < 60)) {
    err("hookline: --expires-in must be a whole number of seconds, at least 60");
    return 2;
  }
  const allowedIps = (args.own["allowed-ips"] ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of allowedIps) {
    if (entry.startsWith(LIST_REFERENCE_PREFIX)) continue; // checked against the database below
    const parsed = parseAddressRange(entry);
    if (typeof parsed === "string") {
      err(`hookline: --allowed-ips: ${parsed}`);
      return 2;
    }
  }
  if (allowedIps.length > MAX_INLINE_ENTRIES) {
    err(`hookline: --allowed-ips: at most ${MAX_INLINE_ENTRIES} entries`);
    return 2;
  }
  if (!args.switches.has("--create") && !(await databaseExists(config))) {
    err(
      `hookline: there is no Hookline database in ${where(config)}. Run this where the server keeps its data, ` +
        "point --data-dir (or --database-url) at it, or pass --create to create a new, empty database.",
    );
    return 1;
  }
  // Tokens are hashed, not encrypted: this command needs no master key.
  const store = await openStore(config, pino({ level: "silent" }), PLAINTEXT);
  try {
    const now = Date.now();
    if (sub === "create") {
      for (const entry of allowedIps) {
        const name = entry.slice(LIST_REFERENCE_PREFIX.length);
        if (entry.startsWith(LIST_REFERENCE_PREFIX) && !(await store.ipLists.get(name))) {
          err(`hookline: --allowed-ips: "${entry}" names no IP list`);
          return 2;
        }
      }
      const { token, record } = issueToken("admin", {
        appId: null,
        name: args.own.name ?? "",
        now,
        expiresAt: expiresIn === null ? null : now + expiresIn * 1000,
        allowedIps: allowedIps.length > 0 ? allowedIps : null,
      });
      await store.tokens.insert(record);
      out(`id:    ${record.id}`);
      out(`token: ${token}`);
      if (record.allowedIps) out(`from:  ${record.allowedIps.join(", ")} only`);
      out("(the token is shown once; only its hash is stored)");
      return 0;
    }
    if (sub === "list") {
      let iterator: string | null = null;
      for (;;) {
        const page = await store.tokens.list({ limit: 250, iterator, order: "ascending" });
        for (const t of page.data) {
          const state =
            t.revokedAt !== null && t.revokedAt <= now
              ? "revoked"
              : t.expiresAt !== null && t.expiresAt <= now
                ? "expired"
                : "active";
          const from = t.allowedIps ? `\tfrom ${t.allowedIps.join(",")}` : "";
          out(`${t.id}\t${state}\t${t.appId ?? "admin"}\t${t.name}${from}`);
        }
        if (page.done || page.data.length === 0) return 0;
        iterator = page.iterator;
      }
    }
    const token = await store.tokens.get(args.positional[0]!);
    if (!token) {
      err(`hookline: no token ${args.positional[0]}`);
      return 1;
    }
    await store.tokens.revoke(token.id, now);
    out(`revoked ${token.id}`);
    out(
      `Running servers refuse it within ${REVOCATION_DELAY_S} seconds: each trusts a token it has looked up for ` +
        `up to ${REVOCATION_DELAY_S} seconds before reading it again.`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
