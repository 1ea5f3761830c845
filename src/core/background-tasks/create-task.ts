import type { BackgroundTaskRepository } from "../../store/store.ts";
import type { BackgroundTask, BackgroundTaskKind } from "../background-task.ts";
import type { Clock } from "../clock.ts";
import { newId } from "../ids.ts";
import type { BackgroundTaskRunner } from "./task-runner.ts";

/** What starting a task uses; `runner` is this process's task runner, null where none runs. */
export interface TaskCreationPorts {
  backgroundTasks: Pick<BackgroundTaskRepository, "insert">;
  clock: Clock;
  /** How long a runner's claim holds, ms (the `lease` setting, HOOKLINE_LEASE, in seconds). */
  leaseMs: number;
  runner(): Pick<BackgroundTaskRunner, "owner" | "hasRoom" | "adopt"> | null;
}

/**
 * Records a new task, status `running`, and starts it: in this process when its runner has room
 * (leased to it from the start, so no other process claims it meanwhile), otherwise left unheld
 * for the first runner that polls (an API-only process has none; every worker polls).
 */
export async function startTask(
  ports: TaskCreationPorts,
  kind: BackgroundTaskKind,
  appId: string | null,
  params: Record<string, unknown>,
): Promise<BackgroundTask> {
  const now = ports.clock.now();
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
  const local = ports.runner();
  const runner = local?.hasRoom() ? local : null;
  await ports.backgroundTasks.insert(task, runner?.owner ?? null, runner ? now + ports.leaseMs : null);
  runner?.adopt(task);
  return task;
}
