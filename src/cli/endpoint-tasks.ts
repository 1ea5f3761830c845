import { listFlag } from "./args.ts";
import { APP_FLAG, arg, flagString, type CommandContext, type Subcommand } from "./command.ts";
import { timeFlag } from "./time-flag.ts";
import { usageError } from "./exit-codes.ts";
import { startTaskCommand, WAIT_FLAG } from "./tasks.ts";
import { DRY_RUN_FLAG, YES_FLAG } from "./confirm.ts";
import { countPages, runGuardedTask } from "./guarded-task.ts";

/**
 * `hookline endpoint recover|replay-missing|bulk-replay`: the endpoint's background tasks
 * (docs/cli.md, "Background tasks"), each answered at once with the task, or followed with --wait.
 */
const RANGE_FLAGS = [
  APP_FLAG,
  {
    name: "since",
    value: "<time>",
    description: "messages created since: ISO 8601, or a duration back from now (90m, 24h, 7d)",
    required: true,
  },
  { name: "until", value: "<time>", description: "the end of the window, as --since", default: "now" },
  WAIT_FLAG,
];

export const range = (c: CommandContext) => ({
  since: timeFlag(c, "since"),
  ...(flagString(c, "until") !== undefined ? { until: timeFlag(c, "until") } : {}),
});

/** Svix's MessageStatus by name (or its number). */
export const STATUS = { success: 0, pending: 1, fail: 2, sending: 3, canceled: 4 } as Record<string, number>;

function statusFlag(c: CommandContext): number | undefined {
  const value = flagString(c, "status");
  if (value === undefined) return undefined;
  const status = STATUS[value] ?? (/^[0-4]$/.test(value) ? Number(value) : undefined);
  if (status === undefined) throw usageError(`--status takes ${Object.keys(STATUS).join(", ")}, not "${value}"`);
  return status;
}

/** `2xx` or `200` (and `none`: no response) to Svix's StatusCodeClass. */
function codeClassFlag(c: CommandContext): number | undefined {
  const value = flagString(c, "status-code-class");
  if (value === undefined) return undefined;
  if (value === "none" || value === "0") return 0;
  const match = /^([1-5])(xx|00)$/.exec(value);
  if (!match) throw usageError(`--status-code-class takes 1xx … 5xx or none, not "${value}"`);
  return Number(match[1]) * 100;
}

/** Svix's MessageStatus.Fail: what `recover` sends again. */
const FAILED = 2;

/**
 * `recover` (and `hookline replay --status failed`): the endpoint's failed deliveries in the range,
 * counted with `GET …/endpoint/{ep}/msg?status=2`, then sent again by the recover task.
 */
export function recoverCommand(
  c: CommandContext,
  path: string,
  endpoint: string,
  window: { since: string; until?: string },
  follow: boolean,
): Promise<number | void> {
  return runGuardedTask(c, {
    outcome: `replayed to ${endpoint}`,
    question: (n) => `Replay ${n} failed message${n === 1 ? "" : "s"} to ${endpoint}?`,
    refusal: "recover sends failed messages again",
    preview: () => countPages(c, `${path}/msg`, { status: FAILED, after: window.since, before: window.until }),
    counter: "messagesSent",
    follow,
    start: (expected) => startTaskCommand(c, `${path}/recover`, window, expected),
  });
}

export function endpointTaskCommands(endpointPath: (c: CommandContext) => string): Subcommand[] {
  return [
    {
      name: "recover",
      summary: "resend every failed delivery to the endpoint since a time (a background task)",
      args: ["<endpoint>"],
      flags: [...RANGE_FLAGS, DRY_RUN_FLAG, YES_FLAG],
      description:
        "Counts the failed deliveries first and asks before starting (--yes to skip; required without a terminal).",
      example: "hookline endpoint recover ep_2a6p1c0 --app acme --since 24h --yes --wait",
      run: (c) => recoverCommand(c, endpointPath(c), arg(c, 0, "<endpoint>"), range(c), false),
    },
    {
      name: "replay-missing",
      summary: "deliver to the endpoint the messages since a time it never received (a background task)",
      args: ["<endpoint>"],
      flags: RANGE_FLAGS,
      description:
        "Messages created before the endpoint existed or subscribed to their type; ones it already has are not sent again.",
      example: "hookline endpoint replay-missing ep_2a6p1c0 --app acme --since 7d --wait",
      run: (c) => startTaskCommand(c, `${endpointPath(c)}/replay-missing`, range(c)),
    },
    {
      name: "bulk-replay",
      summary: "send the endpoint's deliveries since a time again, succeeded or failed (a background task)",
      args: ["<endpoint>"],
      flags: [
        ...RANGE_FLAGS,
        { name: "event-types", value: "<a,b>", description: "only these event types" },
        { name: "channel", value: "<channel>", description: "only messages on this channel" },
        { name: "tag", value: "<tag>", description: "only messages with this tag" },
        {
          name: "status",
          value: "<success|pending|fail|sending|canceled>",
          description: "only deliveries in this state",
        },
        {
          name: "status-code-class",
          value: "<2xx|4xx|5xx|none>",
          description: "only deliveries whose latest response was in this class",
        },
      ],
      example: "hookline endpoint bulk-replay ep_2a6p1c0 --app acme --since 24h --status fail --wait",
      run: (c) => {
        arg(c, 0, "<endpoint>");
        return startTaskCommand(c, `${endpointPath(c)}/bulk-replay`, {
          ...range(c),
          eventTypes: listFlag(c.parsed, "event-types"),
          channel: flagString(c, "channel"),
          tag: flagString(c, "tag"),
          status: statusFlag(c),
          statusCodeClass: codeClassFlag(c),
        });
      },
    },
  ];
}
