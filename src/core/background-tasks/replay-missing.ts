import type { EndpointTaskParams } from "../background-task.ts";
import { newId } from "../ids.ts";
import { routesTo } from "../routing.ts";
import { counted, messageRange, taskEndpoint, waitForEndpoint, type TaskHandler } from "./task-step.ts";

/**
 * `endpoint.replay` (POST …/endpoint/{ep}/replay-missing): the application's messages created in
 * the range that never had a delivery to the endpoint (sent before it existed or subscribed) and
 * that it would receive now (its event types and channels, as routing decides for a new message),
 * delivered to it as manual attempts. A message whose payload was expunged is skipped: it has
 * nothing to send. Running a batch twice (a resumed task) creates nothing twice.
 */
export const replayMissing: TaskHandler = async (ports, task, batchSize) => {
  const params = task.params as unknown as EndpointTaskParams;
  const endpoint = await taskEndpoint(ports, task);
  const wait = await waitForEndpoint(ports, task, endpoint, batchSize);
  if (wait) return wait;
  const rows = await ports.store.messages.scanForEndpoint(
    endpoint.appId,
    endpoint.id,
    messageRange(task, params),
    batchSize,
  );
  const now = ports.clock.now();
  const missing = rows
    .filter((m) => !m.hasDelivery && !m.expunged && routesTo(endpoint, m.eventType, m.channels))
    .map((m) => ({ id: newId("dlv", now), msgId: m.id }));
  const created = await ports.store.deliveries.insertManual(endpoint.appId, endpoint.id, missing, now);
  if (created > 0) await ports.announceWork();
  return {
    cursor: rows.length > 0 ? rows[rows.length - 1]!.id : task.cursor,
    data: counted(task.data, "messagesSent", created),
    done: rows.length < batchSize,
  };
};
