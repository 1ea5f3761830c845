import type { Clock } from "./clock.ts";
import { newId } from "./ids.ts";
import type { InspectedRequest, Inspector, Store } from "../store/store.ts";

/**
 * The consumer portal's inspector (docs/portal.md): a test URL hosted by Hookline that keeps what
 * it receives, for a consumer who has no server yet. Everything about it is bounded, so a
 * forgotten or abused inspector costs a fixed amount of storage:
 */
export const INSPECTOR_LIMITS = {
  /** Requests kept per inspector; older ones are dropped as new ones arrive. */
  requestsKept: 100,
  /** Body bytes kept per request; the rest is dropped and the request marked truncated. */
  bodyBytesKept: 64 * 1024,
  /** How long an inspector lives; after that it answers 410 and is deleted. */
  lifetimeMs: 24 * 60 * 60 * 1000,
  /** Live inspectors per application. */
  perApplication: 5,
  /** Header values kept per request (names and values beyond are dropped). */
  headersKept: 100,
} as const;

/** The path an inspector receives at, under Hookline's own address. */
export const INSPECT_PATH = "/inspect/";

export function inspectorUrl(publicBase: string, id: string): string {
  return `${publicBase}${INSPECT_PATH}${id}`;
}

export function newInspector(appId: string, publicBase: string, now: number): Inspector {
  const id = newId("insp", now);
  return { id, appId, url: inspectorUrl(publicBase, id), createdAt: now, expiresAt: now + INSPECTOR_LIMITS.lifetimeMs };
}

export const isLive = (inspector: Inspector, now: number): boolean => inspector.expiresAt > now;

/** Keeps one received request, within the limits above. */
export async function recordInspected(
  store: Store,
  clock: Clock,
  inspector: Inspector,
  request: { method: string; headers: Record<string, string>; body: Buffer | string },
): Promise<void> {
  const now = clock.now();
  const bytes = typeof request.body === "string" ? Buffer.from(request.body) : request.body;
  const kept = bytes.subarray(0, INSPECTOR_LIMITS.bodyBytesKept);
  const headers = Object.fromEntries(Object.entries(request.headers).slice(0, INSPECTOR_LIMITS.headersKept));
  const record: InspectedRequest = {
    id: newId("ireq", now),
    inspectorId: inspector.id,
    receivedAt: now,
    method: request.method,
    headers,
    // A cut through a multi-byte character decodes as U+FFFD, which is fine for a test view.
    // NUL cannot be stored in a PostgreSQL text column; it is shown as U+FFFD like other undecodable bytes.
    body: kept.toString("utf8").replaceAll("\u0000", "\uFFFD"),
    bodyBytes: bytes.length,
    truncated: kept.length < bytes.length,
  };
  await store.inspectors.record(record, INSPECTOR_LIMITS.requestsKept);
}
