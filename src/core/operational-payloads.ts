import type { Attempt, Endpoint, Message } from "./entities.ts";
import type { OperationalEvent, OperationalEventType } from "./operational-events.ts";
import type { Store } from "../store/store.ts";

/**
 * Whose endpoint an event is about: an application's, or an inbound source's destination (the
 * endpoints of its backing application), which get the `ingest.*` events with the source's id.
 */
export type EndpointOwner = { kind: "app"; appId: string } | { kind: "source"; sourceId: string };

export type EndpointChange = "created" | "updated" | "deleted" | "enabled" | "disabled";
export type AttemptEvent = "failing" | "exhausted" | "recovered";

const iso = (ms: number) => new Date(ms).toISOString();

async function appFields(store: Store, appId: string): Promise<Record<string, unknown>> {
  const app = await store.applications.get(appId);
  return { appId, appUid: app?.uid ?? null };
}

/**
 * `endpoint.<change>` (EndpointCreatedEventData and its siblings: the application's and the
 * endpoint's ids and uids), or `ingest.endpoint.<change>` (the source's id instead of the
 * application's). `endpoint.disabled` adds `trigger` (manual, automatic) and `failSince`.
 */
export async function endpointEvent(
  store: Store,
  owner: EndpointOwner,
  change: EndpointChange,
  endpoint: Pick<Endpoint, "id" | "uid">,
  disabled?: { trigger: "manual" | "automatic"; failSince: number | null },
): Promise<OperationalEvent> {
  const prefix = owner.kind === "source" ? "ingest." : "";
  const ownerFields = owner.kind === "source" ? { sourceId: owner.sourceId } : await appFields(store, owner.appId);
  return {
    type: `${prefix}endpoint.${change}` as OperationalEventType,
    data: {
      ...ownerFields,
      endpointId: endpoint.id,
      endpointUid: endpoint.uid,
      ...(disabled
        ? { trigger: disabled.trigger, failSince: disabled.failSince === null ? null : iso(disabled.failSince) }
        : {}),
    },
  };
}

/**
 * `message.attempt.<event>` (MessageAttemptFailingEventData and its siblings: application,
 * endpoint, message and the last attempt's id, status code and time), or the `ingest.` variant
 * for a message an inbound source received.
 */
export async function attemptEvent(
  store: Store,
  event: AttemptEvent,
  message: Pick<Message, "id" | "appId" | "eventId" | "inbound">,
  attempt: Pick<Attempt, "id" | "endpointId" | "responseStatusCode" | "createdAt">,
): Promise<OperationalEvent> {
  const sourceId = message.inbound?.sourceId;
  const ownerFields = sourceId ? { sourceId } : await appFields(store, message.appId);
  return {
    type: `${sourceId ? "ingest." : ""}message.attempt.${event}` as OperationalEventType,
    data: {
      ...ownerFields,
      endpointId: attempt.endpointId,
      msgId: message.id,
      msgEventId: message.eventId,
      lastAttempt: {
        id: attempt.id,
        responseStatusCode: attempt.responseStatusCode,
        timestamp: iso(attempt.createdAt),
      },
    },
  };
}
