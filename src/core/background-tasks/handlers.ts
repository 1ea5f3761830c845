import type { BackgroundTaskKind } from "../background-task.ts";
import { bulkReplay, recoverFailed } from "./endpoint-replay.ts";
import { expungeAllContents } from "./expunge-contents.ts";
import { replayMissing } from "./replay-missing.ts";
import type { TaskHandler } from "./task-step.ts";
import { applicationUsage, eventTypeUsage } from "./usage-stats.ts";

/** The task kinds Hookline runs; Svix's others (message.broadcast, sdk.generate, …) are never created. */
export const TASK_HANDLERS: Partial<Record<BackgroundTaskKind, TaskHandler>> = {
  "endpoint.replay": replayMissing,
  "endpoint.bulk-replay": bulkReplay,
  "endpoint.recover": recoverFailed,
  "application.purge_content": expungeAllContents,
  "application.stats": applicationUsage,
  "event-type.aggregate": eventTypeUsage,
};
