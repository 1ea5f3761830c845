import { idFloorAt } from "../ids.ts";
import { counted, type TaskHandler } from "./task-step.ts";

/**
 * `application.purge_content` (POST …/msg/expunge-all-contents): clears the payload of every
 * message of the application created before the task was, in id order. The messages, their
 * deliveries and the attempt log stay; a later delivery of an expunged message fails with
 * `payload_expunged`. Messages created after the request keep their payload.
 */
export const expungeAllContents: TaskHandler = async (ports, task, batchSize) => {
  if (task.appId === null) throw new Error("an expunge task names its application");
  const batch = await ports.store.messages.expungeBatch(
    task.appId,
    { after: task.cursor ?? "", before: idFloorAt("msg", task.createdAt + 1) },
    batchSize,
  );
  return {
    cursor: batch.next === "" ? null : batch.next,
    data: counted(task.data, "messagesPurged", batch.changed),
    done: batch.scanned < batchSize,
  };
};
