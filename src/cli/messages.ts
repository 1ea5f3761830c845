import { listFlag } from "./args.ts";
import {
  APP_FLAG,
  appSeg,
  arg,
  bodyOf,
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
import { printDone } from "./output.ts";
import { startTaskCommand, WAIT_FLAG } from "./tasks.ts";
import { DRY_RUN_FLAG, YES_FLAG } from "./confirm.ts";
import { countPages, runGuardedTask } from "./guarded-task.ts";

/** `hookline message`: sending messages and looking at them; `resend` delivers one again to an endpoint. */
const base = (c: CommandContext) => `/api/v1/app/${appSeg(c)}/msg`;

function payloadFlag(c: CommandContext): Record<string, unknown> | undefined {
  const text = flagString(c, "payload");
  if (text === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw usageError(`--payload is not JSON: ${(error as Error).message}`);
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw usageError("--payload must be a JSON object");
  return payload as Record<string, unknown>;
}

export const messageCommands: Family = {
  name: "message",
  summary: "messages of an application: list, get, create, resend, expunge-all-contents",
  subcommands: [
    {
      name: "list",
      summary: "list an application's messages, newest first",
      flags: [
        APP_FLAG,
        ...PAGE_FLAGS,
        { name: "event-types", value: "<a,b>", description: "only these event types" },
        { name: "channel", value: "<channel>", description: "only messages on this channel" },
      ],
      example: "hookline message list --app acme --event-types invoice.paid --limit 10",
      run: (c) =>
        listCommand(c, base(c), ["id", "eventType", "eventId", "timestamp"], {
          event_types: listFlag(c.parsed, "event-types"),
          channel: flagString(c, "channel"),
        }),
    },
    {
      name: "get",
      summary: "show one message with its payload",
      args: ["<message>"],
      flags: [APP_FLAG],
      example: "hookline message get msg_2a6p1c0 --app acme",
      run: (c) => getCommand(c, `${base(c)}/${seg(arg(c, 0, "<message>"))}`),
    },
    {
      name: "create",
      summary: "send a message to the application's endpoints",
      flags: [
        APP_FLAG,
        { name: "event-type", value: "<type>", description: "the event type" },
        { name: "payload", value: "<json>", description: "the payload, a JSON object" },
        { name: "event-id", value: "<id>", description: "your id for the event (sending it twice is refused)" },
        { name: "channels", value: "<a,b>", description: "deliver only to endpoints on these channels" },
      ],
      input: true,
      description: "--data / -f give the whole message ({eventType, payload, …}); flags override its fields.",
      example: 'hookline message create --app acme --event-type invoice.paid --payload \'{"id":"in_1"}\'',
      run: (c) =>
        sendCommand(
          c,
          "POST",
          base(c),
          bodyOf(c, {
            eventType: flagString(c, "event-type"),
            payload: payloadFlag(c),
            eventId: flagString(c, "event-id"),
            channels: listFlag(c.parsed, "channels"),
          }),
        ),
    },
    {
      name: "expunge-all-contents",
      summary: "delete the payload of every message of the application (a background task)",
      flags: [
        APP_FLAG,
        DRY_RUN_FLAG,
        { ...YES_FLAG, description: "go ahead without asking: the payloads cannot be brought back" },
        WAIT_FLAG,
      ],
      description:
        "The messages and their attempt log stay; a delivery still due of a message without payload fails. Runs as a background task (hookline task get).\n" +
        "Counts the messages first and asks before starting (--yes to skip; required without a terminal).",
      example: "hookline message expunge-all-contents --app acme --yes --wait",
      run: (c) =>
        runGuardedTask(c, {
          outcome: "expunged",
          question: (n) =>
            `Expunge the payloads of ${n} message${n === 1 ? "" : "s"} of ${flagString(c, "app")}? They cannot be brought back.`,
          refusal: "expunge-all-contents deletes every payload for good",
          preview: () => countPages(c, base(c), {}),
          counter: "messagesPurged",
          follow: false,
          start: (expected) => startTaskCommand(c, `${base(c)}/expunge-all-contents`, undefined, expected),
        }),
    },
    {
      name: "resend",
      summary: "deliver a message to an endpoint again",
      args: ["<message>"],
      flags: [APP_FLAG, { name: "endpoint", value: "<endpoint>", description: "the endpoint", required: true }],
      example: "hookline message resend msg_2a6p1c0 --app acme --endpoint ep_2a6p1c0",
      run: async (c) => {
        const msg = arg(c, 0, "<message>");
        const endpoint = flagString(c, "endpoint")!;
        await c.client().request("POST", `${base(c)}/${seg(msg)}/endpoint/${seg(endpoint)}/resend`);
        printDone(c.out, `resending ${msg} to ${endpoint}`, { resent: msg, endpoint });
      },
    },
  ],
};

/** `hookline attempt`: the delivery attempts of a message or of an endpoint. */
export const attemptCommands: Family = {
  name: "attempt",
  summary: "delivery attempts: list (of a message or an endpoint), get",
  subcommands: [
    {
      name: "list",
      summary: "list the attempts of a message (--msg) or of an endpoint (--endpoint), newest first",
      flags: [
        APP_FLAG,
        { name: "msg", value: "<message>", description: "the message's attempts" },
        { name: "endpoint", value: "<endpoint>", description: "the endpoint's attempts (with --msg: to it only)" },
        {
          name: "status",
          value: "<0-4>",
          description: "only this status: 0 success, 1 pending, 2 fail, 3 sending, 4 canceled",
        },
        ...PAGE_FLAGS,
      ],
      example: "hookline attempt list --app acme --msg msg_2a6p1c0",
      run: (c) => {
        const msg = flagString(c, "msg");
        const endpoint = flagString(c, "endpoint");
        if (msg === undefined && endpoint === undefined) throw usageError("give --msg or --endpoint");
        const path =
          msg !== undefined
            ? `/api/v1/app/${appSeg(c)}/attempt/msg/${seg(msg)}`
            : `/api/v1/app/${appSeg(c)}/attempt/endpoint/${seg(endpoint!)}`;
        return listCommand(c, path, ["id", "msgId", "endpointId", "status", "responseStatusCode", "timestamp"], {
          endpoint_id: msg !== undefined ? endpoint : undefined,
          status: flagString(c, "status"),
        });
      },
    },
    {
      name: "get",
      summary: "show one attempt with the response it got",
      args: ["<attempt>"],
      flags: [APP_FLAG, { name: "msg", value: "<message>", description: "the attempt's message", required: true }],
      example: "hookline attempt get atmpt_2a6p1c0 --app acme --msg msg_2a6p1c0",
      run: (c) => getCommand(c, `${base(c)}/${seg(flagString(c, "msg")!)}/attempt/${seg(arg(c, 0, "<attempt>"))}`),
    },
  ],
};
