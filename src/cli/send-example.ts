import { APP_FLAG, appSeg, arg, flagString, sendCommand, seg, type CommandContext, type Family } from "./command.ts";
import { usageError } from "./exit-codes.ts";

/**
 * `hookline send-example <event-type> --app A`: a message with the event type's example payload
 * (the first `examples` entry of its schemas). With --endpoint it uses the API's send-example route,
 * which delivers to that endpoint only; without, it sends an ordinary message to every endpoint
 * subscribed to the type, with the same payload the route would choose.
 */
async function sendExample(c: CommandContext): Promise<void> {
  const eventType = arg(c, 0, "<event-type>");
  const indexText = flagString(c, "example-index") ?? "0";
  if (!/^\d+$/.test(indexText)) throw usageError("--example-index takes a whole number");
  const exampleIndex = Number(indexText);
  const endpoint = flagString(c, "endpoint");
  if (endpoint !== undefined) {
    return sendCommand(c, "POST", `/api/v1/app/${appSeg(c)}/endpoint/${seg(endpoint)}/send-example`, {
      eventType,
      exampleIndex,
    });
  }
  const type = (await c.client().request("GET", `/api/v1/event-type/${seg(eventType)}`)) as {
    schemas?: Record<string, { examples?: unknown[] } | null> | null;
  };
  let payload: unknown = undefined;
  for (const schema of Object.values(type.schemas ?? {})) {
    const examples = schema?.examples;
    if (Array.isArray(examples) && examples[exampleIndex] !== undefined) {
      payload = examples[exampleIndex];
      break;
    }
  }
  // The send-example route's payload for a type without examples.
  payload ??= { type: eventType, example: true, timestamp: new Date().toISOString() };
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw usageError(`the example of ${eventType} is not a JSON object`);
  return sendCommand(c, "POST", `/api/v1/app/${appSeg(c)}/msg`, { eventType, payload });
}

export const sendExampleCommand: Family = {
  name: "send-example",
  summary: "send a message with an event type's example payload",
  single: {
    name: "send-example",
    summary: "send a message with an event type's example payload",
    args: ["<event-type>"],
    flags: [
      APP_FLAG,
      {
        name: "endpoint",
        value: "<endpoint>",
        description: "deliver to this endpoint only",
        default: "every subscribed one",
      },
      { name: "example-index", value: "<n>", description: "which of the schema's examples", default: "0" },
    ],
    description:
      "The payload is the event type's example (the first `examples` entry of its schemas), or\n" +
      '{"type": …, "example": true, "timestamp": …} when it has none.',
    example: "hookline send-example invoice.paid --app acme",
    run: sendExample,
  },
};
