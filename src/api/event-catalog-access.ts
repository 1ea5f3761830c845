import type { FastifyRequest } from "fastify";
import type { EventType } from "../core/entities.ts";
import { notFound } from "../core/errors.ts";
import type { AppContext } from "../main/context.ts";
import type { CatalogView } from "../core/endpoints/event-type-filter.ts";

/**
 * The event-type catalog rule, in one place. The catalog (event types, their schemas and
 * examples) is global: every application's consumers may read it, since a portal shows what can
 * be subscribed to and what a payload looks like; only admin tokens may change it.
 *
 * - A token confined to one application (app portal access) may read the catalog: list event
 *   types and get one, and use one through `…/send-example`. Every other catalog route (create,
 *   replace, patch, archive or delete, import) answers it 403.
 * - It sees only event types without a feature flag, and those with a flag its portal session was
 *   granted (app portal access's `featureFlags`): a flagged type is one the operator has not
 *   released to every consumer yet. To it any other flagged type does not exist.
 * - A type that does not exist (or that the caller cannot see) is 404 wherever one is named,
 *   `send-example` included.
 */

/** Route URLs of the catalog itself, as Fastify names them. */
const CATALOG_ROUTES = new Set(["/api/v1/event-type", "/api/v1/event-type/:event_type_name"]);
const CATALOG_PREFIX = "/api/v1/event-type/";
const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * For an application-confined token: whether it may call a catalog route (reads only), or
 * undefined when the route is not part of the catalog (auth.ts decides those).
 */
export function appTokenCatalogAccess(method: string, routeUrl: string): boolean | undefined {
  if (!CATALOG_ROUTES.has(routeUrl) && !routeUrl.startsWith(CATALOG_PREFIX)) return undefined;
  return CATALOG_ROUTES.has(routeUrl) && READ_METHODS.has(method);
}

/** Whether the caller may see this event type (see the rule above). */
export function catalogShows(request: FastifyRequest, eventType: EventType): boolean {
  if (request.scopedAppId === null) return true;
  const flags = eventType.featureFlags ?? [];
  if (flags.length === 0) return true;
  // A portal session granted one of the type's flags (app portal access's `featureFlags`) sees it.
  const granted = request.portal?.featureFlags ?? [];
  return flags.some((flag) => granted.includes(flag));
}

/** The named event type as the caller may see it; 404 when it does not exist for them. */
export async function readableEventType(ctx: AppContext, request: FastifyRequest, name: string): Promise<EventType> {
  const eventType = await ctx.store.eventTypes.get(name);
  if (!eventType || !catalogShows(request, eventType)) throw notFound("event type");
  return eventType;
}

/** The catalog as the caller sees it, for the rules that check names against it (src/core/endpoints/event-type-filter.ts). */
export function catalogView(ctx: AppContext, request: FastifyRequest): CatalogView {
  return { get: (name) => ctx.store.eventTypes.get(name), shows: (eventType) => catalogShows(request, eventType) };
}
