import { useQuery } from "@tanstack/react-query";
import { api, type Page } from "../api.ts";

/** An event type as the catalog answers it (`GET /api/v1/event-type`). */
export interface EventType {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
}

/** The latest JSON Schema (the highest version key) and its first example, as send-example picks it. */
export function latestSchema(type: EventType): { schema: unknown; example: unknown } | null {
  const versions = Object.keys(type.schemas ?? {}).sort((a, b) => Number(a) - Number(b));
  const last = versions[versions.length - 1];
  if (last === undefined) return null;
  const schema = type.schemas![last] as { examples?: unknown[] } | null;
  return { schema, example: Array.isArray(schema?.examples) ? schema.examples[0] : undefined };
}

/**
 * The event types this session may subscribe to (the API leaves out those behind feature flags
 * the session lacks, and archived ones), with their schemas.
 */
export function useCatalog() {
  return useQuery({
    queryKey: ["portal-catalog"],
    queryFn: () => api<Page<EventType>>("GET", "/event-type?limit=250&with_content=true"),
    staleTime: 60_000,
  });
}
