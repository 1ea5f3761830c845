import type { Bind } from "../rows/bind.ts";
import * as shared from "../rows/message-conditions.ts";
import type { MessageFilter, TimeRange } from "../store.ts";
import type { Params } from "./sql.ts";

/**
 * `jsonb ? text` is true when the array holds that string as an element, the same test as
 * SQLite's `EXISTS (SELECT 1 FROM json_each(channels) WHERE value = ?)`; NULL arrays match nothing.
 */
const filterSql = (bind: Bind): shared.FilterSql => ({
  holds: (column, value) => `${column} ? ${bind(value)}::text`,
  oneOf: (column, values) => `${column} = ANY(${bind(values)}::text[])`,
});

/** Conditions for the list queries that filter on message fields; `m` is the message alias. */
export function messageConditions(filter: MessageFilter, m: string, params: Params): string[] {
  return shared.messageConditions(
    filter,
    m,
    filterSql((value) => params.add(value)),
  );
}

/** `before`/`after` are strict bounds on a millisecond column, as in SQLite. */
export function timeConditions(range: TimeRange, column: string, params: Params): string[] {
  return shared.timeConditions(range, column, (value) => params.add(value));
}
