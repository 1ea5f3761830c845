import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { arg, getCommand, type CommandContext, type Family } from "./command.ts";
import { usageError } from "./exit-codes.ts";
import { printDone, printJson } from "./output.ts";

/**
 * `hookline environment`: Svix's environment export and import (the event catalog with schemas
 * and examples, and the environment's settings; no secrets), and the settings on their own.
 */

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
      summary: "print the environment (event types with schemas, settings) as JSON",
      description: "Always JSON, ready for `hookline environment import` or `hookline apply -f`.",
      example: "hookline environment export > env.json",
      run: async (c) => {
        printJson(c.out, await c.client().request("POST", "/api/v1/environment/export"));
      },
    },
    {
      name: "import",
      summary: "create or update the event types and settings of an export (deletes nothing)",
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
        printDone(
          c.out,
          `imported ${count} event types${(body as { settings?: unknown }).settings ? " and the settings" : ""}`,
          {
            imported: { eventTypes: count },
          },
        );
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
