import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isListenSessionId } from "../core/listen-protocol.ts";
import { credentialsFile } from "./credentials.ts";

/**
 * The listen sessions this user opened, so that `hookline listen` run again with the same server,
 * application (or source) and local URL resumes its session: what waited while the CLI was away
 * is delivered, and no new endpoint is created each time. Kept beside `hookline login`'s file, in
 * `listen-sessions.json` (mode 0600). Session ids are no secrets: the token is what grants access.
 */
export function listenMemoryFile(env: NodeJS.ProcessEnv): string {
  return path.join(path.dirname(credentialsFile(env)), "listen-sessions.json");
}

export const sessionKey = (server: string, scope: string, localUrl: string) =>
  `${server.replace(/\/+$/, "")} ${scope} ${localUrl}`;

function readAll(file: string): Record<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
  } catch {
    // Missing or damaged: nothing to resume, and the next write replaces it.
    return {};
  }
}

export function rememberedSession(file: string, key: string): string | undefined {
  const id = readAll(file)[key];
  return typeof id === "string" && isListenSessionId(id) ? id : undefined;
}

/** Records (or, with null, forgets) the session of `key`; best effort: a failure only loses the memory. */
export function rememberSession(file: string, key: string, sessionId: string | null): void {
  try {
    const all = readAll(file);
    if (sessionId === null) delete all[key];
    else all[key] = sessionId;
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(all, null, 2) + "\n", { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch {
    /* see above */
  }
}
