import {
  bodyOf,
  deleteCommand,
  flagString,
  getCommand,
  listCommand,
  PAGE_FLAGS,
  arg,
  sendCommand,
  seg,
  type Family,
} from "./command.ts";

/** `hookline app`: applications (the tenants messages are sent for). */
const APP_FIELDS = [
  { name: "name", value: "<name>", description: "the application's name" },
  { name: "uid", value: "<uid>", description: "your own unique id for it, usable wherever the id is" },
];

export const appCommands: Family = {
  name: "app",
  summary: "applications: list, get, create, update, delete",
  subcommands: [
    {
      name: "list",
      summary: "list applications",
      flags: PAGE_FLAGS,
      example: "hookline app list --limit 20",
      run: (c) => listCommand(c, "/api/v1/app", ["id", "uid", "name", "createdAt"]),
    },
    {
      name: "get",
      summary: "show one application",
      args: ["<app>"],
      example: "hookline app get app_2a6p1c0",
      run: (c) => getCommand(c, `/api/v1/app/${seg(arg(c, 0, "<app>"))}`),
    },
    {
      name: "create",
      summary: "create an application",
      flags: APP_FIELDS,
      input: true,
      example: "hookline app create --name Acme --uid acme",
      run: (c) =>
        sendCommand(c, "POST", "/api/v1/app", bodyOf(c, { name: flagString(c, "name"), uid: flagString(c, "uid") })),
    },
    {
      name: "update",
      summary: "change the given fields of an application",
      args: ["<app>"],
      flags: APP_FIELDS,
      input: true,
      example: "hookline app update acme --name 'Acme Corp'",
      run: (c) =>
        sendCommand(
          c,
          "PATCH",
          `/api/v1/app/${seg(arg(c, 0, "<app>"))}`,
          bodyOf(c, { name: flagString(c, "name"), uid: flagString(c, "uid") }),
        ),
    },
    {
      name: "delete",
      summary: "delete an application with its endpoints and messages",
      args: ["<app>"],
      example: "hookline app delete acme",
      run: (c) => {
        const app = arg(c, 0, "<app>");
        return deleteCommand(c, `/api/v1/app/${seg(app)}`, app);
      },
    },
  ],
};
