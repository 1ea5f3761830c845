import { ApiClient } from "./client.ts";
import { flagString, type CommandContext, type Family } from "./command.ts";
import { credentialsFile, removeCredentials, writeCredentials } from "./credentials.ts";
import { usageError } from "./exit-codes.ts";
import { printDone } from "./output.ts";

/**
 * `hookline login` checks the URL and token against the server (so a typo fails now, not at the
 * next command) and stores them for later commands; `hookline logout` removes them.
 */
async function login(c: CommandContext): Promise<void> {
  const url = flagString(c, "url") ?? c.env.HOOKLINE_URL;
  let token = flagString(c, "token") ?? c.env.HOOKLINE_TOKEN;
  if (url === undefined) throw usageError("give the server with --url (or HOOKLINE_URL)");
  // `--token -` keeps the token out of the shell history and the process list.
  if (token === "-") token = c.readStdin().toString("utf8").trim();
  if (!token) throw usageError("give the token with --token (or HOOKLINE_TOKEN, or --token - for stdin)");
  await new ApiClient({ url, token }).request("GET", "/api/v1/app", { query: { limit: 1 } });
  const file = credentialsFile(c.env);
  writeCredentials(file, { url, token });
  printDone(c.out, `logged in to ${url}; credentials stored in ${file}`, { url, file });
}

async function logout(c: CommandContext): Promise<void> {
  const file = credentialsFile(c.env);
  const removed = removeCredentials(file);
  printDone(c.out, removed ? `removed ${file}` : `not logged in (no ${file})`, { removed, file });
}

export const loginCommand: Family = {
  name: "login",
  summary: "check a server URL and token and store them for the other commands",
  single: {
    name: "login",
    summary: "check a server URL and token and store them for the other commands",
    description:
      "Stores them in $XDG_CONFIG_HOME/hookline/credentials.json (default ~/.config/hookline), readable by\n" +
      "you only (mode 0600). HOOKLINE_URL / HOOKLINE_TOKEN and --url / --token still win over the file.",
    example: "hookline login --url https://hooks.example.com --token -   # the token is read from stdin",
    run: login,
  },
};

export const logoutCommand: Family = {
  name: "logout",
  summary: "remove the credentials `hookline login` stored",
  single: {
    name: "logout",
    summary: "remove the credentials `hookline login` stored",
    connects: false,
    example: "hookline logout",
    run: logout,
  },
};
