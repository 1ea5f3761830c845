import type { AppContext } from "../../main/context.ts";
import type { BackgroundTask, BackgroundTaskKind } from "../background-task.ts";
import { newId } from "../ids.ts";

/**
 * Records a new task, status `running`, and starts it: in this process when its runner has room
 * (leased to it from the start, so no other process claims it meanwhile), otherwise left unheld
 * for the first runner that polls (an API-only process has none; every worker polls).
 */
export async function startTask(
  ctx: AppContext,
  kind: BackgroundTaskKind,
  appId: string | null,
  params: Record<string, unknown>,
): Promise<BackgroundTask> {
  const now = ctx.clock.now();
  const task: BackgroundTask = {
    id: newId("qtask", now),
    appId,
    kind,
    status: "running",
    params,
    cursor: null,
    data: {},
    createdAt: now,
    updatedAt: now,
  };
  const runner = ctx.tasks?.hasRoom() ? ctx.tasks : null;
  await ctx.store.backgroundTasks.insert(task, runner?.owner ?? null, runner ? now + ctx.config.leaseMs : null);
  runner?.adopt(task);
  return task;
}
