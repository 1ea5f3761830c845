import type { Ordering, PageRequest } from "../store/store.ts";

export interface ListQueryInput {
  limit?: number;
  iterator?: string;
  order?: Ordering;
}

/** Svix lists default to 50 items; messages and attempts list newest first, everything else oldest first. */
export function pageRequest(q: ListQueryInput, defaultOrder: Ordering = "ascending"): PageRequest {
  return { limit: q.limit ?? 50, iterator: q.iterator ?? null, order: q.order ?? defaultOrder };
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Parses an optional date-time query value; the schema already checked its format. */
export const msOf = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : Date.parse(value);
