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

/** `hookline source`: inbound sources (docs/inbound-sources.md). */
const FIELDS = [
  { name: "name", value: "<name>", description: "the source's name" },
  { name: "uid", value: "<uid>", description: "your own unique id for it" },
];
const BASE = "/ingest/api/v1/source";

export const sourceCommands: Family = {
  name: "source",
  summary: "inbound sources: list, get, create, update, delete, rotate (the ingest URL's token)",
  subcommands: [
    {
      name: "list",
      summary: "list inbound sources",
      flags: PAGE_FLAGS,
      example: "hookline source list",
      run: (c) => listCommand(c, BASE, ["id", "uid", "name", "type", "ingestUrl"]),
    },
    {
      name: "get",
      summary: "show one source (secrets are not shown)",
      args: ["<source>"],
      example: "hookline source get github",
      run: (c) => getCommand(c, `${BASE}/${seg(arg(c, 0, "<source>"))}`),
    },
    {
      name: "create",
      summary: "create a source; its config (secrets) through --data or -f",
      flags: [
        ...FIELDS,
        { name: "type", value: "<type>", description: "github, stripe, svix, … (docs/inbound-sources.md)" },
      ],
      input: true,
      example: "hookline source create --name GitHub --uid github --type github -f github-source.json",
      run: (c) =>
        sendCommand(
          c,
          "POST",
          BASE,
          bodyOf(c, { name: flagString(c, "name"), uid: flagString(c, "uid"), type: flagString(c, "type") }),
        ),
    },
    {
      name: "update",
      summary: "change the given fields of a source",
      args: ["<source>"],
      flags: FIELDS,
      input: true,
      example: "hookline source update github --name 'GitHub (org)'",
      run: (c) =>
        sendCommand(
          c,
          "PATCH",
          `${BASE}/${seg(arg(c, 0, "<source>"))}`,
          bodyOf(c, { name: flagString(c, "name"), uid: flagString(c, "uid") }),
        ),
    },
    {
      name: "delete",
      summary: "delete a source",
      args: ["<source>"],
      example: "hookline source delete github",
      run: (c) => deleteCommand(c, `${BASE}/${seg(arg(c, 0, "<source>"))}`, arg(c, 0, "<source>")),
    },
    {
      name: "rotate",
      summary: "give the source a new ingest URL (the old one stops working)",
      args: ["<source>"],
      example: "hookline source rotate github",
      run: (c) => sendCommand(c, "POST", `${BASE}/${seg(arg(c, 0, "<source>"))}/token/rotate`, undefined),
    },
  ],
};
