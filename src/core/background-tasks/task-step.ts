import type { AppContext } from "../../main/context.ts";
import type { BackgroundTask, EndpointTaskParams } from "../background-task.ts";
import type { Endpoint } from "../entities.ts";
import { idFloorAt } from "../ids.ts";
import type { KeyRange } from "../../store/store.ts";

/** What one batch of a task did: where the next starts, the data so far, and whether that was the last. */
export interface TaskStep {
  cursor: string | null;
  data: Record<string, unknown>;
  done: boolean;
}

/** Runs one batch of a task of its kind: at most `batchSize` rows looked at, one short transaction or two. */
export type TaskHandler = (ctx: AppContext, task: BackgroundTask, batchSize: number) => Promise<TaskStep>;

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

export async function taskEndpoint(ctx: AppContext, task: BackgroundTask): Promise<Endpoint> {
  const params = task.params as unknown as EndpointTaskParams;
  const endpoint = task.appId === null ? undefined : await ctx.store.endpoints.get(task.appId, params.endpointId);
  if (!endpoint) throw new TaskFailure("the endpoint was deleted while the task ran");
  return endpoint;
}

/** `data[field] + n`, for counters kept in a task's data. */
export const counted = (data: Record<string, unknown>, field: string, n: number): Record<string, unknown> => ({
  ...data,
  [field]: (typeof data[field] === "number" ? (data[field] as number) : 0) + n,
});
