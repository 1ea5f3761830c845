import type { EventType } from "../../core/entities.ts";
import { jsonParam, type ColumnCodec, type FlagColumn, type JsonColumn } from "./column-codec.ts";

/** An `event_type` row as both dialects return it (`SELECT *`). */
export interface EventTypeRow {
  name: string;
  description: string;
  archived: FlagColumn;
  deprecated: FlagColumn;
  schemas: JsonColumn<Record<string, unknown>> | null;
  group_name: string | null;
  feature_flags: JsonColumn<string[]> | null;
  retry_schedule: JsonColumn<number[]> | null;
  created_at: number;
  updated_at: number;
}

export const toEventType = (r: EventTypeRow, codec: ColumnCodec): EventType => ({
  name: r.name,
  description: r.description,
  archived: codec.flag(r.archived),
  deprecated: codec.flag(r.deprecated),
  schemas: codec.json(r.schemas),
  groupName: r.group_name,
  featureFlags: codec.json(r.feature_flags),
  retrySchedule: codec.json(r.retry_schedule),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The columns an event type is inserted with, in the order of eventTypeInsertValues. */
export const EVENT_TYPE_INSERT_COLUMNS =
  "name, description, archived, deprecated, schemas, group_name, feature_flags, created_at, updated_at, retry_schedule";

/** The values of the columns an update may change besides retry_schedule, in table order. */
const editableValues = (e: EventType, codec: ColumnCodec): unknown[] => [
  e.description,
  codec.flagParam(e.archived),
  codec.flagParam(e.deprecated),
  jsonParam(e.schemas),
  e.groupName,
  jsonParam(e.featureFlags),
];

export const eventTypeInsertValues = (e: EventType, codec: ColumnCodec): unknown[] => [
  e.name,
  ...editableValues(e, codec),
  e.createdAt,
  e.updatedAt,
  jsonParam(e.retrySchedule),
];

/**
 * The values of an update: description, archived, deprecated, schemas, group_name,
 * feature_flags, updated_at, retry_schedule, then the key (name).
 */
export const eventTypeUpdateValues = (e: EventType, codec: ColumnCodec): unknown[] => [
  ...editableValues(e, codec),
  e.updatedAt,
  jsonParam(e.retrySchedule),
  e.name,
];
