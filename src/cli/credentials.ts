import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { CliError, EXIT } from "./exit-codes.ts";

/**
 * `hookline login` stores the server URL and token in a per-user file that only its owner can read
 * (mode 0600 in a 0700 directory), in the XDG configuration directory: $XDG_CONFIG_HOME/hookline, or
 * ~/.config/hookline.
 */
export interface Credentials {
  url: string;
  token: string;
}

export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(homedir(), ".config");
  return path.join(base, "hookline", "credentials.json");
}

export function readCredentials(file: string): Credentials | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.failure);
  }
  try {
    const parsed = JSON.parse(text) as Partial<Credentials>;
    if (typeof parsed.url === "string" && typeof parsed.token === "string")
      return { url: parsed.url, token: parsed.token };
  } catch {
    /* reported below */
  }
  throw new CliError(
    `${file} is not a credentials file of \`hookline login\`; run \`hookline logout\` and log in again`,
    EXIT.failure,
  );
}

export function writeCredentials(file: string, credentials: Credentials): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to a directory it creates, and is masked by the umask either way.
  chmodSync(dir, 0o700);
  // Written afresh so that a file left with a looser mode does not keep it.
  rmSync(file, { force: true });
  writeFileSync(file, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
}

/** Removes the file; true if there was one. */
export function removeCredentials(file: string): boolean {
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
