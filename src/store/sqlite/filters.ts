import type { MessageFilter, TimeRange } from "../store.ts";

/** SQL conditions shared by the list queries that filter on message fields; `m` is the message alias. */
export function messageConditions(filter: MessageFilter, m: string): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.channel !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(${m}.channels) WHERE value = ?)`);
    params.push(filter.channel);
  }
  if (filter.tag !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(${m}.tags) WHERE value = ?)`);
    params.push(filter.tag);
  }
  if (filter.eventTypes && filter.eventTypes.length > 0) {
    where.push(`${m}.event_type IN (${filter.eventTypes.map(() => "?").join(", ")})`);
    params.push(...filter.eventTypes);
  }
  return { where, params };
}

export function timeConditions(range: TimeRange, column: string): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (range.before !== undefined) {
    where.push(`${column} < ?`);
    params.push(range.before);
  }
  if (range.after !== undefined) {
    where.push(`${column} > ?`);
    params.push(range.after);
  }
  return { where, params };
}
