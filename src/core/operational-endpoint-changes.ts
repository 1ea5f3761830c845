import type { AppContext } from "../main/context.ts";
import type { Endpoint } from "./entities.ts";
import { endpointEvent, type EndpointOwner } from "./operational-payloads.ts";

/**
 * After an endpoint was created, replaced, patched or deleted through the API: queues
 * `endpoint.created`, `.updated` or `.deleted` (`ingest.endpoint.*` for a source's destination),
 * plus `.disabled` (trigger manual) or `.enabled` when the change switched it off or on, and tells
 * the alert rules. Never blocks the request: the owner is looked up and the events are stored later.
 */
export function announceEndpointChange(
  ctx: AppContext,
  owner: () => Promise<EndpointOwner>,
  before: Endpoint | null,
  after: Endpoint | null,
): void {
  const events = ctx.operational;
  const endpoint = after ?? before;
  if (!events || !endpoint) return;
  const change = before === null ? "created" : after === null ? "deleted" : "updated";
  events.enqueue(async () => endpointEvent(ctx.store, await owner(), change, endpoint));
  if (!before || !after || before.disabled === after.disabled) return;
  if (after.disabled) {
    events.enqueue(async () =>
      endpointEvent(ctx.store, await owner(), "disabled", after, { trigger: "manual", failSince: before.failingSince }),
    );
    ctx.alerts?.endpointDisabled(after.appId, after.id);
  } else {
    events.enqueue(async () => endpointEvent(ctx.store, await owner(), "enabled", after));
    ctx.alerts?.endpointEnabled(after.appId, after.id);
  }
}
