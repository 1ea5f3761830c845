import type { Clock } from "../clock.ts";
import type { Endpoint } from "../entities.ts";
import { newId } from "../ids.ts";
import { listenUrl, newListenSessionId } from "../listen-protocol.ts";
import { generateSecret } from "../signing.ts";
import type { EndpointCaller, EndpointService } from "./endpoint-service.ts";

/**
 * The endpoint behind a `hookline listen` session (docs/architecture.md, "Listen sessions"): an
 * ordinary endpoint with a `hookline-listen://ls_…` URL, which only these functions create, so no
 * tenant can point an endpoint at another's session.
 */

/** Creates the session's endpoint, or brings a resumed one back: enabled, with this connection's filter. */
export async function openListenEndpoint(
  endpoints: EndpointService,
  clock: Clock,
  session: { appId: string; existing: Endpoint | null; eventTypes: string[] | null; target?: string },
  eventOwner: EndpointCaller["eventOwner"],
): Promise<Endpoint> {
  const now = clock.now();
  const { existing, eventTypes } = session;
  const description = `hookline listen${session.target ? ` → ${session.target}` : ""}`;
  if (existing) {
    const resumed: Endpoint = {
      ...existing,
      disabled: false,
      failingSince: null,
      eventTypes,
      description,
      updatedAt: now,
    };
    await endpoints.update(existing, resumed, eventOwner);
    return resumed;
  }
  const endpoint: Endpoint = {
    id: newId("ep", now),
    appId: session.appId,
    uid: null,
    url: listenUrl(newListenSessionId()),
    description,
    version: 1,
    disabled: false,
    throttleRate: null,
    eventTypes,
    channels: null,
    metadata: {},
    headers: {},
    secret: generateSecret(),
    previousSecrets: [],
    failingSince: null,
    options: { filter: null, format: "standard", ordered: false, cloudEventsHandshake: false },
    handshakeValidatedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await endpoints.insert(endpoint, eventOwner);
  return endpoint;
}

/**
 * Ctrl-C: the session's endpoint is disabled, unless it was deleted or repointed meanwhile.
 * Disabled rather than deleted, because deleting an endpoint deletes its attempts.
 */
export async function endListenEndpoint(
  endpoints: EndpointService,
  clock: Clock,
  endpoint: Endpoint,
  eventOwner: EndpointCaller["eventOwner"],
): Promise<void> {
  const current = await endpoints.find(endpoint.appId, endpoint.id);
  if (!current || current.url !== endpoint.url || current.disabled) return;
  await endpoints.update(current, { ...current, disabled: true, updatedAt: clock.now() }, eventOwner);
}

/** The session's endpoint among the application's, by its session id's URL. */
export async function listenEndpoint(
  endpoints: EndpointService,
  appId: string,
  sessionId: string,
): Promise<Endpoint | undefined> {
  const url = listenUrl(sessionId);
  return (await endpoints.listAll(appId)).find((e) => e.url === url);
}
