import {
  arg,
  flagString,
  getCommand,
  listCommand,
  PAGE_FLAGS,
  seg,
  type CommandContext,
  type Family,
} from "./command.ts";
import { CliError, EXIT, usageError } from "./exit-codes.ts";
import { printObject } from "./output.ts";
import { renderProgress } from "./progress-bar.ts";

/**
 * Background tasks (docs/cli.md, "Background tasks"): `hookline task list|get`, and `--wait` for
 * the commands that start one (endpoint replay-missing, bulk-replay, recover; message
 * expunge-all-contents), which polls the task until it ends, with its progress on stderr.
 */

interface TaskOut {
  id: string;
  status: string;
  task: string;
  updatedAt: string;
  data?: Record<string, unknown>;
}

export const WAIT_FLAG = {
  name: "wait",
  description: "wait for the task to end, showing its progress on stderr; exit 1 if it failed",
};

/** How often --wait asks; a task's batches take milliseconds, so progress shows about this often. */
const POLL_MS = 500;

const progressOf = (task: TaskOut) =>
  Object.entries(task.data ?? {})
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");

/** What a follower knows besides the task: the dry-run count, and which counter of `data` it is. */
export interface ExpectedWork {
  total: number;
  counter: string;
}

/** The task's line: `qtask_… endpoint.recover running: messagesSent 3` and, with a total, the bar. */
function progressLine(task: TaskOut, expected: ExpectedWork | undefined, elapsedMs: number): string {
  const head = `${task.id} ${task.task} ${task.status}`;
  const data = progressOf(task);
  if (!expected) return data ? `${head}: ${data}` : head;
  const done = typeof task.data?.[expected.counter] === "number" ? (task.data[expected.counter] as number) : 0;
  // A finished task did all there was: the bar shows it full even if the count was off.
  const total = task.status === "finished" ? done : expected.total;
  return `${head}: ${expected.counter} ${renderProgress({ done, total, elapsedMs })}`;
}

/**
 * Polls the task until it is no longer running; prints it then, and fails (exit 1) if it failed.
 * Progress goes to stderr: redrawn in place on a terminal, else a line whenever it changes.
 */
export async function waitForTask(c: CommandContext, id: string, expected?: ExpectedWork): Promise<void> {
  const path = `/api/v1/background-task/${seg(id)}`;
  const redraw = process.stderr.isTTY === true;
  const started = Date.now();
  // Plain lines are written when the status or the counters change, not for a new rate alone.
  let shown = "";
  for (;;) {
    const task = (await c.client().request("GET", path)) as TaskOut;
    const ended = task.status !== "running";
    const line = progressLine(task, expected, Date.now() - started);
    if (redraw) c.note(`\r\x1b[2K${line}${ended ? "\n" : ""}`);
    else if (`${task.status} ${progressOf(task)}` !== shown) c.note(`${line}\n`);
    shown = `${task.status} ${progressOf(task)}`;
    if (ended) {
      printObject(c.out, task);
      if (task.status === "failed")
        throw new CliError(`the task failed: ${String(task.data?.error ?? "")}`, EXIT.failure);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Starts a task by `POST path`; prints what the server answered, or with --wait, the task once it
 * ends (with `expected`, its progress against that total).
 */
export async function startTaskCommand(
  c: CommandContext,
  path: string,
  body?: unknown,
  expected?: ExpectedWork,
): Promise<void> {
  const started = (await c.client().request("POST", path, body === undefined ? {} : { body })) as TaskOut;
  if (c.parsed.flags.wait === true) return waitForTask(c, started.id, expected);
  printObject(c.out, started);
}

const STATUSES = ["running", "finished", "failed"];

export const taskCommands: Family = {
  name: "task",
  summary: "background tasks (replays, recoveries, expunges): list, get",
  subcommands: [
    {
      name: "list",
      summary: "list background tasks, newest first",
      flags: [
        { name: "status", value: "<running|finished|failed>", description: "only tasks in this state" },
        { name: "task", value: "<type>", description: "only tasks of this type, e.g. endpoint.replay" },
        ...PAGE_FLAGS,
      ],
      example: "hookline task list --status running",
      run: (c) => {
        const status = flagString(c, "status");
        if (status !== undefined && !STATUSES.includes(status))
          throw usageError(`--status takes ${STATUSES.join(", ")}, not "${status}"`);
        return listCommand(c, "/api/v1/background-task", ["id", "task", "status", "updatedAt", "data"], {
          status,
          task: flagString(c, "task"),
        });
      },
    },
    {
      name: "get",
      summary: "show a background task: its status and progress",
      args: ["<task>"],
      flags: [WAIT_FLAG],
      example: "hookline task get qtask_2a6p1c0 --wait",
      run: (c) => {
        const id = arg(c, 0, "<task>");
        if (c.parsed.flags.wait === true) return waitForTask(c, id);
        return getCommand(c, `/api/v1/background-task/${seg(id)}`);
      },
    },
  ],
};
