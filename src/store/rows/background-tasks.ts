import type { BackgroundTask, BackgroundTaskKind, BackgroundTaskStatus } from "../../core/background-task.ts";
import type { BackgroundTaskFilter } from "../store.ts";
import type { Bind } from "./bind.ts";
import type { ColumnCodec, JsonColumn } from "./column-codec.ts";

/** A `background_task` row as both dialects return it (`SELECT *`, `RETURNING *`). */
export interface TaskRow {
  id: string;
  app_id: string | null;
  kind: string;
  status: string;
  params: JsonColumn<Record<string, unknown>>;
  cursor: string | null;
  data: JsonColumn<Record<string, unknown>>;
  created_at: number;
  updated_at: number;
}

export const toTask = (r: TaskRow, codec: ColumnCodec): BackgroundTask => ({
  id: r.id,
  appId: r.app_id,
  kind: r.kind as BackgroundTaskKind,
  status: r.status as BackgroundTaskStatus,
  params: codec.json<Record<string, unknown>>(r.params) as Record<string, unknown>,
  cursor: r.cursor,
  data: codec.json<Record<string, unknown>>(r.data) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The conditions of a task listing, in the order status, kind, application. */
export function taskConditions(filter: BackgroundTaskFilter, bind: Bind): string[] {
  const where: string[] = [];
  if (filter.status !== undefined) where.push(`status = ${bind(filter.status)}`);
  if (filter.kind !== undefined) where.push(`kind = ${bind(filter.kind)}`);
  if (filter.appId !== undefined) where.push(`app_id = ${bind(filter.appId)}`);
  return where;
}

/**
 * The values of `INSERT INTO background_task (id, app_id, kind, status, params, cursor, data,
 * lease_owner, lease_until, created_at, updated_at)`; JSON as text (PostgreSQL casts it to jsonb).
 */
export const taskInsertValues = (
  t: BackgroundTask,
  leaseOwner: string | null,
  leaseUntil: number | null,
): unknown[] => [
  t.id,
  t.appId,
  t.kind,
  t.status,
  JSON.stringify(t.params),
  t.cursor,
  JSON.stringify(t.data),
  leaseOwner,
  leaseUntil,
  t.createdAt,
  t.updatedAt,
];
