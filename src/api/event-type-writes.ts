import type { EventType } from "../core/entities.ts";
import type { Store } from "../store/store.ts";

/**
 * Reading the whole event catalog and writing many event types at once, for the bulk routes
 * (environment import, OpenAPI import), which must behave as one `PUT` per type would.
 */

/** Every event type, archived ones included, in name order. */
export async function allEventTypes(store: Store): Promise<EventType[]> {
  const all: EventType[] = [];
  let iterator: string | null = null;
  do {
    const page = await store.eventTypes.list({ limit: 250, iterator, order: "ascending" }, true);
    all.push(...page.data);
    iterator = page.done ? null : page.iterator;
  } while (iterator);
  return all;
}

/** Inserts or replaces one event type, keeping the creation time of the one it replaces. */
export async function putEventType(
  store: Store,
  existing: EventType | undefined,
  fields: Omit<EventType, "createdAt" | "updatedAt">,
  now: number,
): Promise<void> {
  const eventType: EventType = { ...fields, createdAt: existing?.createdAt ?? now, updatedAt: now };
  if (existing) await store.eventTypes.update(eventType);
  else await store.eventTypes.insert(eventType);
}
