import type { PortalGrant } from "../store/store.ts";

/**
 * What a consumer-portal session may do, route by route (docs/portal.md). The API enforces it, so
 * a capability the operator withheld cannot be used by any route, whatever the page shows.
 *
 * - Every route a portal token may call is listed below with the capabilities that allow it (any
 *   one suffices). A route that is not listed is refused to portal tokens: a new route stays closed
 *   to them until someone decides which capability it needs.
 * - `readOnly` refuses every route that changes something, whatever the capabilities.
 * - The application the path names must be the token's own (auth.ts checks that for every
 *   application-confined token).
 */
export const PORTAL_CAPABILITIES = [
  "ViewBase",
  "ViewEndpointSecret",
  "ManageEndpointSecret",
  "ManageTransformations",
  "CreateAttempts",
  "ManageEndpoint",
] as const;
export type PortalCapability = (typeof PORTAL_CAPABILITIES)[number];

export interface PortalRoute {
  /** Any one of these allows the route. */
  anyOf: readonly PortalCapability[];
  /** Whether the route changes something, so that a read-only session is refused it. */
  changes: boolean;
}

const read = (...anyOf: PortalCapability[]): PortalRoute => ({ anyOf, changes: false });
const change = (...anyOf: PortalCapability[]): PortalRoute => ({ anyOf, changes: true });

const APP = "/api/v1/app/:app_id";
const ENDPOINT = `${APP}/endpoint/:endpoint_id`;

/** Keys are `METHOD route-url`, the URL as the route was declared (Fastify's `routeOptions.url`). */
export const PORTAL_ROUTES: Readonly<Record<string, PortalRoute>> = {
  // The session itself and the read-only catalog.
  "POST /api/v1/auth/logout": read("ViewBase"),
  "GET /api/v1/auth/portal-session": read("ViewBase"),
  "GET /api/v1/event-type": read("ViewBase"),
  "GET /api/v1/event-type/:event_type_name": read("ViewBase"),
  [`GET ${APP}`]: read("ViewBase"),

  // Endpoints: reading them is basic; changing any field is ManageEndpoint.
  [`GET ${APP}/endpoint`]: read("ViewBase"),
  [`POST ${APP}/endpoint`]: change("ManageEndpoint"),
  [`GET ${ENDPOINT}`]: read("ViewBase"),
  [`PUT ${ENDPOINT}`]: change("ManageEndpoint"),
  [`PATCH ${ENDPOINT}`]: change("ManageEndpoint"),
  [`DELETE ${ENDPOINT}`]: change("ManageEndpoint"),
  [`GET ${ENDPOINT}/headers`]: read("ViewBase"),
  [`PUT ${ENDPOINT}/headers`]: change("ManageEndpoint"),
  [`PATCH ${ENDPOINT}/headers`]: change("ManageEndpoint"),
  [`GET ${ENDPOINT}/stats`]: read("ViewBase"),
  [`GET ${ENDPOINT}/stats/attempts`]: read("ViewBase"),

  // The signing secret: seeing it and rotating it are separate grants; ManageEndpoint covers both.
  [`GET ${ENDPOINT}/secret`]: read("ViewEndpointSecret", "ManageEndpointSecret", "ManageEndpoint"),
  [`POST ${ENDPOINT}/secret/rotate`]: change("ManageEndpointSecret", "ManageEndpoint"),

  // Transformations: simulating one changes nothing, but it is part of editing one.
  [`GET ${ENDPOINT}/transformation`]: read("ViewBase"),
  [`PATCH ${ENDPOINT}/transformation`]: change("ManageTransformations"),
  [`POST ${ENDPOINT}/transformation/simulate`]: read("ManageTransformations"),

  // New attempts: replaying, recovering and sending an example.
  [`POST ${APP}/msg/:msg_id/endpoint/:endpoint_id/resend`]: change("CreateAttempts"),
  [`POST ${ENDPOINT}/recover`]: change("CreateAttempts"),
  [`POST ${ENDPOINT}/replay-missing`]: change("CreateAttempts"),
  [`POST ${ENDPOINT}/bulk-replay`]: change("CreateAttempts"),
  // The tasks those start: the routes show a session its own application's tasks only.
  "GET /api/v1/background-task": read("ViewBase"),
  "GET /api/v1/background-task/:task_id": read("ViewBase"),
  [`POST ${ENDPOINT}/send-example`]: change("CreateAttempts"),

  // Messages, attempts and statistics: reads.
  [`GET ${APP}/msg`]: read("ViewBase"),
  [`GET ${APP}/msg/:msg_id`]: read("ViewBase"),
  [`GET ${APP}/msg/:msg_id/raw`]: read("ViewBase"),
  [`GET ${APP}/msg/:msg_id/endpoint`]: read("ViewBase"),
  [`GET ${APP}/msg/:msg_id/attempt/:attempt_id`]: read("ViewBase"),
  [`GET ${APP}/attempt/msg/:msg_id`]: read("ViewBase"),
  [`GET ${APP}/attempt/endpoint/:endpoint_id`]: read("ViewBase"),
  [`GET ${ENDPOINT}/msg`]: read("ViewBase"),
  [`GET ${APP}/stats/attempts`]: read("ViewBase"),

  // Polling endpoints (routes/pollers.ts): reading the stream by iterator changes nothing.
  [`GET ${APP}/poller/:sink_id`]: read("ViewBase"),

  // The inspector (routes/inspector.ts): a test URL to add as an endpoint, so creating one belongs
  // with managing endpoints; what it received is a read.
  [`POST ${APP}/inspector`]: change("ManageEndpoint"),
  [`GET ${APP}/inspector`]: read("ViewBase"),
  [`GET ${APP}/inspector/:inspector_id`]: read("ViewBase"),
  [`DELETE ${APP}/inspector/:inspector_id`]: change("ManageEndpoint"),
};

export type PortalRefusal = { code: "portal_route_not_allowed" | "capability_required" | "read_only"; detail: string };

/** Whether the session may call the route; the refusal (for a 403) when it may not. */
export function portalRefusal(grant: PortalGrant, method: string, routeUrl: string): PortalRefusal | null {
  // Fastify answers HEAD with the GET route's handler.
  const key = `${method === "HEAD" ? "GET" : method} ${routeUrl}`;
  const rule = PORTAL_ROUTES[key];
  if (!rule) {
    return {
      code: "portal_route_not_allowed",
      detail: `${method} ${routeUrl} is not available to a consumer-portal session`,
    };
  }
  if (rule.changes && grant.readOnly) {
    return { code: "read_only", detail: "this portal session is read-only: it cannot change anything" };
  }
  if (!rule.anyOf.some((c) => grant.capabilities.includes(c))) {
    const needed = rule.anyOf.length === 1 ? rule.anyOf[0] : `one of ${rule.anyOf.join(", ")}`;
    return { code: "capability_required", detail: `this portal session lacks the capability ${needed}` };
  }
  return null;
}

/** The capabilities a session gets: the ones asked for (all when none were), always with ViewBase. */
export function grantedCapabilities(asked: readonly PortalCapability[] | null | undefined): PortalCapability[] {
  if (asked === null || asked === undefined) return [...PORTAL_CAPABILITIES];
  return PORTAL_CAPABILITIES.filter((c) => c === "ViewBase" || asked.includes(c));
}
