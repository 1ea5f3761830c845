import { APP_FLAG, appSeg, flagString, seg, type CommandContext, type Family } from "./command.ts";
import { DRY_RUN_FLAG, YES_FLAG } from "./confirm.ts";
import { range, recoverCommand, STATUS } from "./endpoint-tasks.ts";
import { usageError } from "./exit-codes.ts";
import { countPages, runGuardedTask } from "./guarded-task.ts";
import { startTaskCommand } from "./tasks.ts";

/**
 * `hookline replay --app A --endpoint E --since 24h [--status failed|all|…] [--dry-run] [--yes]`
 * (docs/cli.md, "Background tasks"): one command over the endpoint tasks. `failed` (the default)
 * is the recover task; `all` and the other delivery states are a bulk replay. It counts first,
 * asks, then always follows the task with a progress bar.
 */

/** `failed` and `all` beside Svix's MessageStatus names (`fail` is the same as `failed`). */
const STATUS_NAMES = ["failed", "all", ...Object.keys(STATUS).filter((s) => s !== "fail")];

const replayCommand = {
  name: "replay",
  summary: "send an endpoint's messages since a time again (counts, asks, then shows progress)",
  flags: [
    APP_FLAG,
    { name: "endpoint", value: "<endpoint>", description: "the endpoint (id or uid)", required: true },
    {
      name: "since",
      value: "<time>",
      description: "messages since: ISO 8601, or a duration back from now (90m, 24h, 7d)",
      required: true,
    },
    { name: "until", value: "<time>", description: "the end of the window, as --since", default: "now" },
    {
      name: "status",
      value: `<${STATUS_NAMES.join("|")}>`,
      description: "which deliveries: failed ones (recover) or all, or those in one state (bulk replay)",
      default: "failed",
    },
    DRY_RUN_FLAG,
    YES_FLAG,
  ],
  description:
    "Without --dry-run it asks before starting (--yes to skip; required without a terminal), then\n" +
    "follows the task: a progress bar with rate and ETA on a terminal, a line per change otherwise.",
  example: "hookline replay --app acme --endpoint ep_2a6p1c0 --since 24h --status failed --dry-run",
  run: (c: CommandContext) => {
    const status = flagString(c, "status") ?? "failed";
    if (!STATUS_NAMES.includes(status) && status !== "fail")
      throw usageError(`--status takes ${STATUS_NAMES.join(", ")}, not "${status}"`);
    const endpoint = flagString(c, "endpoint")!;
    const path = `/api/v1/app/${appSeg(c)}/endpoint/${seg(endpoint)}`;
    const window = range(c);
    if (status === "failed" || status === "fail") return recoverCommand(c, path, endpoint, window, true);
    const code = status === "all" ? undefined : STATUS[status];
    const which = status === "all" ? "" : ` ${status}`;
    return runGuardedTask(c, {
      outcome: `replayed to ${endpoint}`,
      question: (n) => `Replay ${n}${which} message${n === 1 ? "" : "s"} to ${endpoint}?`,
      refusal: "replay sends messages again",
      preview: () => countPages(c, `${path}/msg`, { status: code, after: window.since, before: window.until }),
      counter: "messagesSent",
      follow: true,
      start: (expected) => startTaskCommand(c, `${path}/bulk-replay`, { ...window, status: code }, expected),
    });
  },
};

export const replayFamily: Family = { name: "replay", summary: replayCommand.summary, single: replayCommand };
