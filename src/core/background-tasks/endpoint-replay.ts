import type { EndpointTaskParams } from "../background-task.ts";
import { DeliveryStatus } from "../entities.ts";
import type { DeliveryScanRow } from "../../store/store.ts";
import { counted, messageRange, taskEndpoint, waitForEndpoint, type TaskHandler } from "./task-step.ts";

/** Svix's StatusCodeClass of a response code: 0 for none (no response, or never attempted), else 100…500. */
export function statusCodeClass(code: number | null): number {
  return code === null || code === 0 ? 0 : Math.floor(code / 100) * 100;
}

/** Whether a delivery matches a bulk replay's filters (each one given narrows the replay). */
export function matchesReplay(row: DeliveryScanRow, params: EndpointTaskParams): boolean {
  if (params.eventTypes && params.eventTypes.length > 0 && !params.eventTypes.includes(row.eventType)) return false;
  if (params.channel && !(row.channels ?? []).includes(params.channel)) return false;
  if (params.tag && !(row.tags ?? []).includes(params.tag)) return false;
  if (params.status !== null && params.status !== undefined && row.status !== params.status) return false;
  if (
    params.statusCodeClass !== null &&
    params.statusCodeClass !== undefined &&
    statusCodeClass(row.lastStatusCode) !== params.statusCodeClass
  )
    return false;
  return true;
}

/** One batch of re-arming the endpoint's deliveries that `select` picks, counted as `messagesSent`. */
function rearming(select: (row: DeliveryScanRow, params: EndpointTaskParams) => boolean): TaskHandler {
  return async (ports, task, batchSize) => {
    const params = task.params as unknown as EndpointTaskParams;
    const endpoint = await taskEndpoint(ports, task);
    const wait = await waitForEndpoint(ports, task, endpoint, batchSize);
    if (wait) return wait;
    const rows = await ports.store.deliveries.scanEndpoint(
      endpoint.appId,
      endpoint.id,
      messageRange(task, params),
      batchSize,
    );
    const chosen = rows.filter((row) => select(row, params)).map((row) => ({ id: row.id, msgId: row.msgId }));
    const rearmed = await ports.store.deliveries.rearm(endpoint.appId, endpoint.id, chosen, ports.clock.now());
    if (rearmed > 0) await ports.announceWork();
    return {
      cursor: rows.length > 0 ? rows[rows.length - 1]!.msgId : task.cursor,
      data: counted(task.data, "messagesSent", rearmed),
      done: rows.length < batchSize,
    };
  };
}

/**
 * `endpoint.bulk-replay` (POST …/endpoint/{ep}/bulk-replay): the endpoint's deliveries of messages
 * created in the range, succeeded and failed alike, narrowed by the request's filters, sent again
 * as manual attempts. A resumed task may send the batch it was in when interrupted a second time
 * (delivery is at-least-once; receivers de-duplicate on `webhook-id`).
 */
export const bulkReplay: TaskHandler = rearming(matchesReplay);

/**
 * `endpoint.recover` (POST …/endpoint/{ep}/recover): the endpoint's failed deliveries (retries
 * exhausted) of messages created in the range, sent again; ones that succeeded, even after
 * failing at first, are left alone.
 */
export const recoverFailed: TaskHandler = rearming((row) => row.status === DeliveryStatus.Fail);
