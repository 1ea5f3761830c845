import { readFileArgument } from "./environment.ts";
import { printJson } from "./output.ts";
import {
  arg,
  bodyOf,
  deleteCommand,
  flagString,
  getCommand,
  listCommand,
  PAGE_FLAGS,
  sendCommand,
  seg,
  type Family,
} from "./command.ts";

/** `hookline event-type`: the event catalog. */
const FIELDS = [
  { name: "name", value: "<name>", description: "the event type, e.g. invoice.paid" },
  { name: "description", value: "<text>", description: "what the event means" },
];

/** What an OpenAPI import did (or, on a dry run, would do), one line per type. */
interface OpenApiImport {
  data: { modified: string[]; to_modify: { name: string }[] | null; archived?: string[] };
}

export const eventTypeCommands: Family = {
  name: "event-type",
  summary: "the event catalog: list, get, create, update, delete, import-openapi",
  subcommands: [
    {
      name: "list",
      summary: "list event types",
      flags: [...PAGE_FLAGS, { name: "include-archived", description: "list archived ones too" }],
      example: "hookline event-type list",
      run: (c) =>
        listCommand(c, "/api/v1/event-type", ["name", "description", "archived"], {
          include_archived: c.parsed.flags["include-archived"] === true ? true : undefined,
        }),
    },
    {
      name: "get",
      summary: "show one event type with its schemas",
      args: ["<name>"],
      example: "hookline event-type get invoice.paid",
      run: (c) => getCommand(c, `/api/v1/event-type/${seg(arg(c, 0, "<name>"))}`),
    },
    {
      name: "create",
      summary: "create an event type (schemas and examples through --data)",
      flags: FIELDS,
      input: true,
      example:
        'hookline event-type create --data \'{"name":"invoice.paid","description":"An invoice was paid","schemas":{"1":{"type":"object","examples":[{"id":"in_1"}]}}}\'',
      run: (c) =>
        sendCommand(
          c,
          "POST",
          "/api/v1/event-type",
          bodyOf(c, { name: flagString(c, "name"), description: flagString(c, "description") }),
        ),
    },
    {
      name: "update",
      summary: "change the given fields of an event type",
      args: ["<name>"],
      flags: [FIELDS[1]!],
      input: true,
      example: "hookline event-type update invoice.paid --description 'An invoice was paid in full'",
      run: (c) =>
        sendCommand(
          c,
          "PATCH",
          `/api/v1/event-type/${seg(arg(c, 0, "<name>"))}`,
          bodyOf(c, { description: flagString(c, "description") }),
        ),
    },
    {
      name: "delete",
      summary: "archive an event type (--expunge deletes it for good)",
      args: ["<name>"],
      flags: [{ name: "expunge", description: "delete it instead of archiving" }],
      example: "hookline event-type delete invoice.paid",
      run: async (c) => {
        const name = arg(c, 0, "<name>");
        const expunge = c.parsed.flags.expunge === true ? "?expunge=true" : "";
        await deleteCommand(c, `/api/v1/event-type/${seg(name)}${expunge}`, name);
      },
    },
    {
      name: "import-openapi",
      summary: "create or update event types from an OpenAPI document's webhooks",
      args: ["<spec.yaml|spec.json>"],
      flags: [
        { name: "dry-run", description: "show what would change; change nothing" },
        { name: "replace-all", description: "archive the event types the document does not name" },
      ],
      description:
        "Each entry of `webhooks` (or `x-webhooks`) becomes an event type named by its key, with the\n" +
        "request body's schema and examples. Types that already match are left alone.",
      example: "hookline event-type import-openapi openapi.yaml --dry-run",
      run: async (c) => {
        const specRaw = readFileArgument(c, arg(c, 0, "<spec.yaml|spec.json>"));
        const dryRun = c.parsed.flags["dry-run"] === true;
        const result = (await c.client().request("POST", "/api/v1/event-type/import/openapi", {
          body: { specRaw, dryRun, replaceAll: c.parsed.flags["replace-all"] === true },
        })) as OpenApiImport;
        if (c.out.json) return printJson(c.out, result);
        const archived = new Set(result.data.archived ?? []);
        const changed = dryRun ? (result.data.to_modify ?? []).map((e) => e.name) : result.data.modified;
        const lines = [
          ...changed
            .filter((n) => !archived.has(n))
            .map((n) => `${dryRun ? "would create or update" : "created or updated"}  ${n}`),
          ...[...archived].map((n) => `${dryRun ? "would archive" : "archived"}  ${n}`),
        ];
        c.out.write((lines.length ? lines.join("\n") : "nothing to change: the catalog matches the document") + "\n");
      },
    },
  ],
};
