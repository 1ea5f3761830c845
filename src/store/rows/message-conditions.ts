import type { MessageFilter, TimeRange } from "../store.ts";
import type { Bind } from "./bind.ts";

/** How a dialect writes the two tests the message filters need. */
export interface FilterSql {
  /** True when the JSON array in `column` holds `value` as an element; a NULL array matches nothing. */
  holds(column: string, value: string): string;
  /** True when `column` equals one of `values` (never empty). */
  oneOf(column: string, values: string[]): string;
}

/** Conditions for the list queries that filter on message fields; `m` is the message alias. */
export function messageConditions(filter: MessageFilter, m: string, sql: FilterSql): string[] {
  const where: string[] = [];
  if (filter.channel !== undefined) where.push(sql.holds(`${m}.channels`, filter.channel));
  if (filter.tag !== undefined) where.push(sql.holds(`${m}.tags`, filter.tag));
  if (filter.eventTypes && filter.eventTypes.length > 0) where.push(sql.oneOf(`${m}.event_type`, filter.eventTypes));
  return where;
}

/** `before`/`after` are strict bounds on a millisecond column. */
export function timeConditions(range: TimeRange, column: string, bind: Bind): string[] {
  const where: string[] = [];
  if (range.before !== undefined) where.push(`${column} < ${bind(range.before)}`);
  if (range.after !== undefined) where.push(`${column} > ${bind(range.after)}`);
  return where;
}
