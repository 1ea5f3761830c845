import { setTimeout as sleep } from "node:timers/promises";
import { APP_FLAG, appSeg, arg, flagString, seg, type CommandContext, type Subcommand } from "./command.ts";
import { usageError } from "./exit-codes.ts";

/**
 * `hookline endpoint poll`: reads a polling endpoint's stream (docs/api.md, "Polling endpoints")
 * and prints each message on a line of its own: JSON when piped (one object a line, for `jq`), a
 * short line on a terminal. With --consumer the server keeps the position, so the next run goes on
 * where this one stopped; with --follow it keeps polling for new messages until interrupted.
 */

/** How long --follow waits after reaching the end before asking again. */
const FOLLOW_INTERVAL_MS = 2000;

interface PollPage {
  data: { id: string; eventType: string; timestamp: string; payload: unknown }[];
  iterator: string;
  done: boolean;
}

export const endpointPoll: Subcommand = {
  name: "poll",
  summary: "read a polling endpoint's messages (url polling://…), one per line",
  args: ["<endpoint>"],
  flags: [
    APP_FLAG,
    { name: "consumer", value: "<id>", description: "a consumer whose position the server keeps between runs" },
    { name: "follow", description: "keep polling for new messages until interrupted" },
    { name: "limit", value: "<n>", description: "how many per request (1 to 250)", default: "50" },
    { name: "iterator", value: "<cursor>", description: "start from an iterator a previous run printed" },
  ],
  example: "hookline endpoint poll ep_2a6p1c0 --app acme --consumer nightly",
  run: async (c: CommandContext) => {
    const limit = flagString(c, "limit") ?? "50";
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 250)
      throw usageError("--limit takes a number from 1 to 250");
    const consumer = flagString(c, "consumer");
    const follow = c.parsed.flags.follow === true;
    const path =
      `/api/v1/app/${appSeg(c)}/poller/${seg(arg(c, 0, "<endpoint>"))}` +
      (consumer === undefined ? "" : `/consumer/${seg(consumer)}`);
    let iterator = flagString(c, "iterator");
    let stopped = false;
    const stop = () => {
      stopped = true;
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      while (!stopped) {
        const page = (await c.client().request("GET", path, { query: { limit, iterator } })) as PollPage;
        for (const m of page.data) {
          c.out.write(
            c.out.json
              ? JSON.stringify(m) + "\n"
              : `${m.id}  ${m.eventType}  ${m.timestamp}  ${JSON.stringify(m.payload)}\n`,
          );
        }
        // A consumer's position is the server's; a plain reader carries the iterator itself.
        if (consumer === undefined) iterator = page.iterator;
        if (!page.done) continue;
        if (!follow) break;
        await sleep(FOLLOW_INTERVAL_MS);
      }
      if (!c.out.json && consumer === undefined && iterator !== undefined)
        c.out.write(`(continue with --iterator ${iterator})\n`);
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  },
};
