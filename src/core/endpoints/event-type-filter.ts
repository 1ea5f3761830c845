import type { EventType } from "../entities.ts";
import { FieldError } from "../errors.ts";

/**
 * What the caller sees of the event-type catalog: a token confined to an application does not
 * see feature-flagged types it was not granted (src/api/event-catalog-access.ts decides).
 */
export interface CatalogView {
  get(name: string): Promise<EventType | undefined>;
  shows(eventType: EventType): boolean;
}

/**
 * An endpoint's event-type filter may only name event types that exist, as on Svix: a typo would
 * otherwise subscribe to nothing, silently. Decided per name (docs/api.md, "Endpoints"):
 * - a pattern (`invoice.*`) is not checked: it may name types still to come;
 * - an archived type exists (archiving hides it from new subscriptions in a portal, it does not
 *   delete it), a type an application token cannot see (feature-flagged) does not, for that token;
 * - names the endpoint already had are not checked again, so an endpoint read back and written
 *   again as it was keeps working after one of its types is deleted;
 * - `[]` and null mean "no filter" and name nothing.
 * Only application endpoints are checked: an inbound source's destinations filter on the types
 * its provider sends (GitHub's `push`), which are not in the catalog.
 */
export async function checkEventTypesExist(
  catalog: CatalogView,
  field: "eventTypes" | "filterTypes",
  names: readonly string[] | null | undefined,
  already: readonly string[] | null = null,
): Promise<void> {
  if (!names) return;
  const known = new Set(already ?? []);
  for (const [i, name] of names.entries()) {
    if (name.includes("*") || known.has(name)) continue;
    const eventType = await catalog.get(name);
    if (!eventType || !catalog.shows(eventType))
      throw new FieldError(
        [field, String(i)],
        `names the event type "${name}", which does not exist: create it first (POST /api/v1/event-type), or use a pattern such as "${name.split(".")[0]}.*"`,
        "event_type_unknown",
      );
  }
}

/** The filter a create, replace or patch names, under the field it came in (v2 `eventTypes` first). */
export async function checkRequestedEventTypes(
  catalog: CatalogView,
  b: { eventTypes?: string[] | null; filterTypes?: string[] | null },
  already: readonly string[] | null = null,
): Promise<void> {
  const field = b.eventTypes !== undefined ? "eventTypes" : "filterTypes";
  await checkEventTypesExist(catalog, field, b.eventTypes !== undefined ? b.eventTypes : b.filterTypes, already);
}
