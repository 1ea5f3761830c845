import type { Message, TriggerType } from "../core/entities.ts";

/** One delivery this worker has leased and will attempt: handed over by the API or claimed from the store. */
export interface DeliveryJob {
  id: string;
  appId: string;
  msgId: string;
  endpointId: string;
  attemptCount: number;
  trigger: TriggerType;
  /** Present when the API hands a just-committed message over in memory, saving a read. */
  message?: Message;
  /** When the delivery fell due (ms), for the worker-lag metric; absent when not known. */
  dueAt?: number;
}
