import type { EventType } from "../entities.ts";

/** An event type's fields as a caller states them (a create, a replace, an import). */
export interface EventTypeInput {
  description: string;
  archived?: boolean;
  deprecated?: boolean;
  schemas?: Record<string, unknown> | null;
  groupName?: string | null;
  featureFlags?: string[] | null;
  /** Svix's earlier, single flag; `featureFlags` wins when both are given. */
  featureFlag?: string | null;
  retrySchedule?: number[] | null;
}

export type EventTypePatch = Partial<EventTypeInput>;

export type EventTypeFields = Omit<EventType, "createdAt" | "updatedAt">;

export const flagsOf = (b: { featureFlags?: string[] | null; featureFlag?: string | null }) =>
  b.featureFlags ?? (b.featureFlag ? [b.featureFlag] : null);

/** A create or replace: what the input leaves out takes its default. */
export function eventTypeFields(name: string, b: EventTypeInput): EventTypeFields {
  return {
    name,
    description: b.description,
    archived: b.archived ?? false,
    deprecated: b.deprecated ?? false,
    schemas: b.schemas ?? null,
    groupName: b.groupName ?? null,
    featureFlags: flagsOf(b),
    retrySchedule: b.retrySchedule ?? null,
  };
}

/** PATCH: only what is given changes; null clears. */
export function patchedEventType(existing: EventType, b: EventTypePatch, now: number): EventType {
  return {
    ...existing,
    description: b.description ?? existing.description,
    archived: b.archived ?? existing.archived,
    deprecated: b.deprecated ?? existing.deprecated,
    schemas: b.schemas === undefined ? existing.schemas : b.schemas,
    groupName: b.groupName === undefined ? existing.groupName : b.groupName,
    featureFlags: b.featureFlags === undefined && b.featureFlag === undefined ? existing.featureFlags : flagsOf(b),
    retrySchedule: b.retrySchedule === undefined ? existing.retrySchedule : b.retrySchedule,
    updatedAt: now,
  };
}
