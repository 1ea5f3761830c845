import { positional, type Bind } from "../rows/bind.ts";
import * as shared from "../rows/message-conditions.ts";
import type { MessageFilter, TimeRange } from "../store.ts";

const filterSql = (bind: Bind): shared.FilterSql => ({
  holds: (column, value) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ${bind(value)})`,
  oneOf: (column, values) => `${column} IN (${values.map(bind).join(", ")})`,
});

/** SQL conditions shared by the list queries that filter on message fields; `m` is the message alias. */
export function messageConditions(filter: MessageFilter, m: string): { where: string[]; params: unknown[] } {
  const params: unknown[] = [];
  return { where: shared.messageConditions(filter, m, filterSql(positional(params))), params };
}

export function timeConditions(range: TimeRange, column: string): { where: string[]; params: unknown[] } {
  const params: unknown[] = [];
  return { where: shared.timeConditions(range, column, positional(params)), params };
}
