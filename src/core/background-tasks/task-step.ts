import type { BackgroundTask, EndpointTaskParams } from "../background-task.ts";
import type { Endpoint } from "../entities.ts";
import { idFloorAt } from "../ids.ts";
import type { KeyRange, Store } from "../../store/store.ts";
import type { Clock } from "../clock.ts";

/** What a task's batches use: the repositories the task kinds read and write, the clock, and waking the workers. */
export interface TaskPorts {
  store: Pick<Store, "applications" | "attemptStats" | "deliveries" | "endpoints" | "messages">;
  clock: Clock;
  /** Wakes the workers of every process once a batch made deliveries due (core/announce-work.ts). */
  announceWork(): Promise<void>;
}

/** What one batch of a task did: where the next starts, the data so far, and whether that was the last. */
export interface TaskStep {
  cursor: string | null;
  data: Record<string, unknown>;
  done: boolean;
  /** The batch did nothing and the task waits this long before trying again (it paces itself). */
  waitMs?: number;
}

/** Runs one batch of a task of its kind: at most `batchSize` rows looked at, one short transaction or two. */
export type TaskHandler = (ports: TaskPorts, task: BackgroundTask, batchSize: number) => Promise<TaskStep>;

/** A task that cannot go on for a reason its caller should read (in `data.error`), not a fault of Hookline. */
export class TaskFailure extends Error {}

/**
 * The message ids of an endpoint task's time range, after the cursor. Ids begin with their creation
 * time (core/ids.ts), so [since, until) is an id range; the floor id of `since` itself would be
 * excluded by `>`, but no real id has 112 zero random bits.
 */
export function messageRange(task: BackgroundTask, params: { since: number; until: number }): KeyRange {
  return { after: task.cursor ?? idFloorAt("msg", params.since), before: idFloorAt("msg", params.until) };
}

export async function taskEndpoint(ports: TaskPorts, task: BackgroundTask): Promise<Endpoint> {
  const params = task.params as unknown as EndpointTaskParams;
  const endpoint = task.appId === null ? undefined : await ports.store.endpoints.get(task.appId, params.endpointId);
  if (!endpoint) throw new TaskFailure("the endpoint was deleted while the task ran");
  return endpoint;
}

/** `data[field] + n`, for counters kept in a task's data. */
export const counted = (data: Record<string, unknown>, field: string, n: number): Record<string, unknown> => ({
  ...data,
  [field]: (typeof data[field] === "number" ? (data[field] as number) : 0) + n,
});

/**
 * How long a bulk task waits, when the endpoint still has a batch of its deliveries waiting to be
 * sent, before it looks again. The workers send a batch in well under a second on a healthy
 * endpoint, so a replay keeps the endpoint busy while re-arming little more than it can send.
 */
export const PACE_WAIT_MS = 200;

/**
 * A bulk task that makes deliveries due (replay, recover) re-arms the next batch only once fewer
 * than a batch of the endpoint's deliveries are due. Re-arming everything at once made every one
 * of them due together: a worker whose lanes for that endpoint are full claims other endpoints'
 * work past all of them in the due index, so each claim read the whole replay and live deliveries
 * starved (docs/benchmarks.md, "Background tasks: live latency during a replay"). Paced, the
 * replay runs at the endpoint's own speed, and a failing endpoint's retries (scheduled later, not
 * due) do not hold it up.
 */
export async function waitForEndpoint(
  ports: TaskPorts,
  task: BackgroundTask,
  endpoint: Endpoint,
  batchSize: number,
): Promise<TaskStep | null> {
  const due = await ports.store.deliveries.countDue(endpoint.id, ports.clock.now(), batchSize);
  return due >= batchSize ? { cursor: task.cursor, data: task.data, done: false, waitMs: PACE_WAIT_MS } : null;
}
