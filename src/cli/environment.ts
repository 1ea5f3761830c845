import { fstatSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { arg, getCommand, type CommandContext, type Family } from "./command.ts";
import { usageError } from "./exit-codes.ts";
import { printDone, printJson } from "./output.ts";

/**
 * `hookline environment`: Svix's environment export and import (the event catalog with schemas
 * and examples, the environment's settings, and Hookline's applications with their endpoints),
 * and the settings on their own.
 */

/**
 * Whether standard output is a terminal or a regular file (a shell redirect), where secrets
 * would stay in plain text: `--include-secrets` refuses those without `--yes-secrets-in-file`,
 * and writes freely only into a pipe, to a program that takes them on (`| hookline environment
 * import -`, a vault's CLI).
 */
function stdoutKeepsText(): boolean {
  try {
    const stat = fstatSync(1);
    return stat.isFile() || stat.isCharacterDevice();
  } catch {
    return true;
  }
}

/** A file argument's text; `-` is stdin. */
export function readFileArgument(c: CommandContext, name: string): string {
  try {
    return (name === "-" ? c.readStdin() : readFileSync(name)).toString("utf8");
  } catch (error) {
    throw usageError(`cannot read ${name}: ${(error as Error).message}`);
  }
}

export const environmentCommands: Family = {
  name: "environment",
  summary: "export and import the event catalog and settings (Svix's format)",
  subcommands: [
    {
      name: "export",
      summary: "print the environment (event types with schemas, settings, applications, endpoints) as JSON",
      description:
        "Always JSON, ready for `hookline environment import` or (without secrets) `hookline apply -f`. " +
        "--include-secrets adds each endpoint's signing secret; it writes them only into a pipe, and into a " +
        "terminal or a file only with --yes-secrets-in-file.",
      flags: [
        { name: "include-secrets", description: "add each endpoint's signing secret (plain text)" },
        {
          name: "yes-secrets-in-file",
          description: "with --include-secrets: allow writing the secrets to a terminal or a file",
        },
      ],
      example: "hookline environment export --include-secrets | hookline environment import - --url https://other",
      run: async (c) => {
        const includeSecrets = c.parsed.flags["include-secrets"] === true;
        if (includeSecrets && c.parsed.flags["yes-secrets-in-file"] !== true && stdoutKeepsText())
          throw usageError(
            "--include-secrets would leave signing secrets in plain text on a terminal or in a file: " +
              "pipe the output to the program that takes them, or add --yes-secrets-in-file",
          );
        const body = includeSecrets ? { includeSecrets: true } : undefined;
        printJson(c.out, await c.client().request("POST", "/api/v1/environment/export", { body }));
      },
    },
    {
      name: "import",
      summary: "create or update the event types, settings, applications and endpoints of an export (deletes nothing)",
      args: ["<file>"],
      example: "hookline environment import env.json",
      run: async (c) => {
        const name = arg(c, 0, "<file>");
        let body: unknown;
        try {
          body = parseYaml(readFileArgument(c, name));
        } catch (error) {
          throw usageError(`${name} is neither JSON nor YAML: ${(error as Error).message.split("\n")[0]}`);
        }
        if (typeof body !== "object" || body === null || Array.isArray(body))
          throw usageError(`${name} must hold an object ({"eventTypes": […], "settings": {…}})`);
        await c.client().request("POST", "/api/v1/environment/import", { body });
        const count = ((body as { eventTypes?: unknown[] }).eventTypes ?? []).length;
        const apps = ((body as { applications?: unknown[] | null }).applications ?? []).length;
        const settings = (body as { settings?: unknown }).settings ? ", and the settings" : "";
        printDone(c.out, `imported ${count} event types, ${apps} applications${settings}`, {
          imported: { eventTypes: count, applications: apps },
        });
      },
    },
    {
      name: "settings",
      summary: "show the environment's settings",
      example: "hookline environment settings",
      run: (c) => getCommand(c, "/api/v1/environment/settings"),
    },
  ],
};
