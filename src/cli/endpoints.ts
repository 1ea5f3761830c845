import { listFlag } from "./args.ts";
import {
  APP_FLAG,
  appSeg,
  arg,
  bodyOf,
  deleteCommand,
  flagString,
  getCommand,
  listCommand,
  PAGE_FLAGS,
  sendCommand,
  seg,
  type CommandContext,
  type Family,
} from "./command.ts";
import { usageError } from "./exit-codes.ts";
import { endpointPoll } from "./endpoint-poll.ts";
import { printDone } from "./output.ts";
import { timeFlag } from "./time-flag.ts";
import { endpointTaskCommands } from "./endpoint-tasks.ts";

/** `hookline endpoint`: an application's endpoints, their signing secret, recovery and statistics. */
const ENDPOINT_FIELDS = [
  { name: "endpoint-url", value: "<url>", description: "where deliveries go (the endpoint's `url`)" },
  { name: "description", value: "<text>", description: "a description" },
  { name: "event-types", value: "<a,b>", description: "only these event types (comma-separated); all when absent" },
  { name: "uid", value: "<uid>", description: "your own unique id for it" },
  { name: "disabled", value: "<true|false>", description: "disable or enable deliveries" },
];

function endpointBody(c: CommandContext): Record<string, unknown> {
  const disabled = flagString(c, "disabled");
  if (disabled !== undefined && disabled !== "true" && disabled !== "false")
    throw usageError("--disabled takes true or false");
  return bodyOf(c, {
    url: flagString(c, "endpoint-url"),
    description: flagString(c, "description"),
    filterTypes: listFlag(c.parsed, "event-types"),
    uid: flagString(c, "uid"),
    disabled: disabled === undefined ? undefined : disabled === "true",
  });
}

const base = (c: CommandContext) => `/api/v1/app/${appSeg(c)}/endpoint`;
const one = (c: CommandContext) => `${base(c)}/${seg(arg(c, 0, "<endpoint>"))}`;

export const endpointCommands: Family = {
  name: "endpoint",
  summary:
    "endpoints of an application: list, get, create, update, delete, secret, rotate, recover, replay-missing, bulk-replay, stats, poll",
  subcommands: [
    {
      name: "list",
      summary: "list an application's endpoints",
      flags: [APP_FLAG, ...PAGE_FLAGS],
      example: "hookline endpoint list --app acme",
      run: (c) => listCommand(c, base(c), ["id", "uid", "url", "disabled", "filterTypes"]),
    },
    {
      name: "get",
      summary: "show one endpoint",
      args: ["<endpoint>"],
      flags: [APP_FLAG],
      example: "hookline endpoint get ep_2a6p1c0 --app acme",
      run: (c) => getCommand(c, one(c)),
    },
    {
      name: "create",
      summary: "create an endpoint",
      flags: [APP_FLAG, ...ENDPOINT_FIELDS],
      input: true,
      description: "The URL is --endpoint-url (--url is the server's); any other field goes in --data.",
      example:
        "hookline endpoint create --app acme --endpoint-url https://example.com/hooks --event-types invoice.paid",
      run: (c) => sendCommand(c, "POST", base(c), endpointBody(c)),
    },
    {
      name: "update",
      summary: "change the given fields of an endpoint",
      args: ["<endpoint>"],
      flags: [APP_FLAG, ...ENDPOINT_FIELDS],
      input: true,
      example: "hookline endpoint update ep_2a6p1c0 --app acme --disabled true",
      run: (c) => sendCommand(c, "PATCH", one(c), endpointBody(c)),
    },
    {
      name: "delete",
      summary: "delete an endpoint",
      args: ["<endpoint>"],
      flags: [APP_FLAG],
      example: "hookline endpoint delete ep_2a6p1c0 --app acme",
      run: (c) => deleteCommand(c, one(c), arg(c, 0, "<endpoint>")),
    },
    {
      name: "secret",
      summary: "show the endpoint's signing secret (whsec_…)",
      args: ["<endpoint>"],
      flags: [APP_FLAG],
      example: "hookline endpoint secret ep_2a6p1c0 --app acme",
      run: (c) => getCommand(c, `${one(c)}/secret`),
    },
    {
      name: "rotate",
      summary: "replace the signing secret; the old one keeps signing for the grace period",
      args: ["<endpoint>"],
      flags: [
        APP_FLAG,
        { name: "key", value: "<whsec_…>", description: "the new secret", default: "a generated one" },
        {
          name: "grace-period",
          value: "<seconds>",
          description: "how long the old secret still signs too",
          default: "the server's",
        },
      ],
      example: "hookline endpoint rotate ep_2a6p1c0 --app acme",
      run: async (c) => {
        const grace = flagString(c, "grace-period");
        if (grace !== undefined && !/^\d+$/.test(grace)) throw usageError("--grace-period takes whole seconds");
        const body: Record<string, unknown> = {};
        if (flagString(c, "key") !== undefined) body.key = flagString(c, "key");
        if (grace !== undefined) body.gracePeriodSeconds = Number(grace);
        await c.client().request("POST", `${one(c)}/secret/rotate`, { body });
        printDone(c.out, `rotated the secret of ${arg(c, 0, "<endpoint>")}`, { rotated: arg(c, 0, "<endpoint>") });
      },
    },
    ...endpointTaskCommands(one),
    {
      name: "stats",
      summary: "count the endpoint's deliveries by status",
      args: ["<endpoint>"],
      flags: [
        APP_FLAG,
        { name: "since", value: "<time>", description: "only deliveries created since (ISO 8601 or 24h)" },
        { name: "until", value: "<time>", description: "only deliveries created before" },
      ],
      example: "hookline endpoint stats ep_2a6p1c0 --app acme --since 7d",
      run: (c) =>
        getCommand(c, `${one(c)}/stats`, {
          since: flagString(c, "since") === undefined ? undefined : timeFlag(c, "since"),
          until: flagString(c, "until") === undefined ? undefined : timeFlag(c, "until"),
        }),
    },
    endpointPoll,
  ],
};
