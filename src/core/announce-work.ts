import type { Logger } from "pino";
import type { CoordinationRepository } from "../store/store.ts";
import type { WorkHandOff } from "./work-hand-off.ts";

/** What announcing work uses: this process's worker (if any), the store's notification, and the log. */
export interface WorkAnnouncementPorts {
  worker: Pick<WorkHandOff, "wake"> | null;
  coordination: Pick<CoordinationRepository, "notifyWork">;
  log: Logger;
}

/**
 * Work became due outside the normal hand-off (a resend, a recover, deliveries no local worker
 * had room for): wake this process's worker and, through the store, the workers of every other
 * process. A failed notification is only logged: the work is committed, and pollers find it.
 */
export async function announceWork(ports: WorkAnnouncementPorts): Promise<void> {
  ports.worker?.wake();
  await ports.coordination.notifyWork().catch((error: unknown) => {
    ports.log.warn({ err: error }, "could not notify other workers; they will find the work when they poll");
  });
}
