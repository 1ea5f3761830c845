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

export const eventTypeCommands: Family = {
  name: "event-type",
  summary: "the event catalog: list, get, create, update, delete",
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
  ],
};
