/**
 * Background tasks: bulk operations (replay, recover, expunge) that run in bounded batches after
 * the request that asked for them has been answered, as in Svix's task model (docs/api.md,
 * "Background tasks"). The record is durable: its status, its progress and the cursor a resumed
 * run continues from live in the store.
 */

/** Svix's task types, every one accepted by the list filter; Hookline runs the ones in TASK_HANDLERS. */
export const BACKGROUND_TASK_KINDS = [
  "endpoint.replay",
  "endpoint.recover",
  "application.stats",
  "message.broadcast",
  "sdk.generate",
  "event-type.aggregate",
  "application.purge_content",
  "endpoint.bulk-replay",
] as const;
export type BackgroundTaskKind = (typeof BACKGROUND_TASK_KINDS)[number];

export const BACKGROUND_TASK_STATUSES = ["running", "finished", "failed"] as const;
export type BackgroundTaskStatus = (typeof BACKGROUND_TASK_STATUSES)[number];

export interface BackgroundTask {
  /** `qtask_…`: time-ordered, so lists page by id. */
  id: string;
  /** The application the task works on; null for one over the whole environment. */
  appId: string | null;
  kind: BackgroundTaskKind;
  status: BackgroundTaskStatus;
  /** What was asked for (endpoint, time range, filters), fixed at creation. */
  params: Record<string, unknown>;
  /** Where the next batch starts (the last key handled); null before the first batch. */
  cursor: string | null;
  /** Progress while running, the result once finished (`messagesSent`, …), `error` when failed. */
  data: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** The time range of an endpoint task (ms), and the filters of a bulk replay. */
export interface EndpointTaskParams {
  endpointId: string;
  since: number;
  until: number;
  eventTypes?: string[] | null;
  channel?: string | null;
  tag?: string | null;
  status?: number | null;
  statusCodeClass?: number | null;
}
