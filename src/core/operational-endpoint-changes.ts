import type { Store } from "../store/store.ts";
import type { Endpoint } from "./entities.ts";
import type { OperationalEvents } from "./operational-events.ts";
import { endpointEvent, type EndpointOwner } from "./operational-payloads.ts";

/** What announcing an endpoint change uses; `events` and `alerts` are absent where a context serves no traffic. */
export interface EndpointChangePorts {
  /** Read for the events' application fields (operational-payloads.ts). */
  store: Store;
  events?: Pick<OperationalEvents, "enqueue">;
  alerts?: {
    endpointDisabled(appId: string, endpointId: string): void;
    endpointEnabled(appId: string, endpointId: string): void;
  };
}

/**
 * After an endpoint was created, replaced, patched or deleted through the API: queues
 * `endpoint.created`, `.updated` or `.deleted` (`ingest.endpoint.*` for a source's destination),
 * plus `.disabled` (trigger manual) or `.enabled` when the change switched it off or on, and tells
 * the alert rules. Never blocks the request: the owner is looked up and the events are stored later.
 */
export function announceEndpointChange(
  ports: EndpointChangePorts,
  owner: () => Promise<EndpointOwner>,
  before: Endpoint | null,
  after: Endpoint | null,
): void {
  const { events, store } = ports;
  const endpoint = after ?? before;
  if (!events || !endpoint) return;
  const change = before === null ? "created" : after === null ? "deleted" : "updated";
  events.enqueue(async () => endpointEvent(store, await owner(), change, endpoint));
  if (!before || !after || before.disabled === after.disabled) return;
  if (after.disabled) {
    events.enqueue(async () =>
      endpointEvent(store, await owner(), "disabled", after, { trigger: "manual", failSince: before.failingSince }),
    );
    ports.alerts?.endpointDisabled(after.appId, after.id);
  } else {
    events.enqueue(async () => endpointEvent(store, await owner(), "enabled", after));
    ports.alerts?.endpointEnabled(after.appId, after.id);
  }
}
