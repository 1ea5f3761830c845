import type { MessageFilter, TimeRange } from "../store.ts";
import type { Params } from "./sql.ts";

/**
 * Conditions for the list queries that filter on message fields; `m` is the message alias.
 * `jsonb ? text` is true when the array holds that string as an element, the same test as
 * SQLite's `EXISTS (SELECT 1 FROM json_each(channels) WHERE value = ?)`; NULL arrays match nothing.
 */
export function messageConditions(filter: MessageFilter, m: string, params: Params): string[] {
  const where: string[] = [];
  if (filter.channel !== undefined) where.push(`${m}.channels ? ${params.add(filter.channel)}::text`);
  if (filter.tag !== undefined) where.push(`${m}.tags ? ${params.add(filter.tag)}::text`);
  if (filter.eventTypes && filter.eventTypes.length > 0) {
    where.push(`${m}.event_type = ANY(${params.add(filter.eventTypes)}::text[])`);
  }
  return where;
}

/** `before`/`after` are strict bounds on a millisecond column, as in SQLite. */
export function timeConditions(range: TimeRange, column: string, params: Params): string[] {
  const where: string[] = [];
  if (range.before !== undefined) where.push(`${column} < ${params.add(range.before)}`);
  if (range.after !== undefined) where.push(`${column} > ${params.add(range.after)}`);
  return where;
}
