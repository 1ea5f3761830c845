import pino from "pino";
import type { Config } from "../config.ts";
import { issueToken } from "../core/api-tokens.ts";
import { PLAINTEXT } from "../core/secret-box.ts";
import { openStore } from "./hookline.ts";

export const TOKEN_USAGE = `  token create [--name NAME] [--expires-in SECONDS]   create an admin API token (printed once)
  token list                                          list tokens (never their values)
  token revoke ID                                     revoke a token at once`;

/** Splits the token command's own options from the configuration flags that follow them. */
export function splitTokenArgs(args: string[]): { own: Record<string, string>; positional: string[]; rest: string[] } {
  const own: Record<string, string> = {};
  const positional: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === "--name" || flag === "--expires-in") own[flag.slice(2)] = inline ?? args[++i] ?? "";
    else if (!arg.startsWith("--")) positional.push(arg);
    else {
      rest.push(arg);
      if (inline === undefined && args[i + 1] !== undefined && !args[i + 1]!.startsWith("--")) rest.push(args[++i]!);
    }
  }
  return { own, positional, rest };
}

/** `hookline token …`: manages API tokens directly in the store the configuration points at. */
export async function tokenCommand(
  config: Config,
  sub: string | undefined,
  own: Record<string, string>,
  positional: string[],
  out: (line: string) => void,
): Promise<number> {
  // Tokens are hashed, not encrypted: this command needs no master key.
  const store = await openStore(config, pino({ level: "silent" }), PLAINTEXT);
  try {
    const now = Date.now();
    if (sub === "create") {
      const expiresIn = own["expires-in"] ? Number(own["expires-in"]) : null;
      if (expiresIn !== null && (!Number.isInteger(expiresIn) || expiresIn < 60)) {
        out("hookline: --expires-in must be a whole number of seconds, at least 60");
        return 2;
      }
      const { token, record } = issueToken("admin", {
        appId: null,
        name: own.name ?? "",
        now,
        expiresAt: expiresIn === null ? null : now + expiresIn * 1000,
      });
      await store.tokens.insert(record);
      out(`id:    ${record.id}`);
      out(`token: ${token}`);
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
          out(`${t.id}\t${state}\t${t.appId ?? "admin"}\t${t.name}`);
        }
        if (page.done || page.data.length === 0) return 0;
        iterator = page.iterator;
      }
    }
    if (sub === "revoke" && positional[0]) {
      const token = await store.tokens.get(positional[0]);
      if (!token) {
        out(`hookline: no token ${positional[0]}`);
        return 1;
      }
      await store.tokens.revoke(token.id, now);
      out(`revoked ${token.id}`);
      return 0;
    }
    out(`Usage:\n${TOKEN_USAGE}`);
    return 2;
  } finally {
    await store.close();
  }
}
