import type { Delivery, Message, TriggerType } from "./entities.ts";

/** A delivery handed to the local worker in memory, already leased to it (create-message.ts, handOffDeliveries). */
export type HandedOffDelivery = Pick<Delivery, "id" | "appId" | "msgId" | "endpointId" | "attemptCount"> & {
  trigger: TriggerType;
  /** The just-committed message, saving the worker a read. */
  message?: Message;
  /** When the delivery fell due (ms). */
  dueAt?: number;
};

/**
 * What accepting work needs from this process's worker, when it runs one: whose lease a delivery
 * created here may carry, for how long, whether the worker has room for one more of an endpoint's
 * deliveries, and the hand-over itself. Implemented by the dispatcher (src/delivery/dispatcher.ts);
 * null in a process that only serves the API.
 */
export interface WorkHandOff {
  /** The lease owner the worker claims under. */
  readonly owner: string;
  /** How long a lease taken for the worker holds. */
  readonly leaseMs: number;
  /** Whether the worker takes one more delivery to this endpoint now. */
  canAccept(endpointId: string): boolean;
  /** Takes a delivery committed already leased to `owner`. */
  accept(delivery: HandedOffDelivery): void;
  /** Looks for due work now (work became due outside the hand-over). */
  wake(): void;
  /** Looks for due work when the clock reaches `at` (a scheduled message). */
  wakeAt(at: number): void;
}
