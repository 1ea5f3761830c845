import type { Application } from "../entities.ts";

/**
 * An application's settings as a caller states them. Both generations of Svix names are accepted
 * for its rate limit: v1 `rateLimit`, v2 `throttleRate` (which wins when both are given).
 */
export interface ApplicationInput {
  name: string;
  uid?: string | null;
  throttleRate?: number | null;
  rateLimit?: number | null;
  metadata?: Record<string, string>;
}

export type ApplicationPatch = Partial<ApplicationInput>;

export function newApplication(id: string, b: ApplicationInput, now: number): Application {
  return {
    id,
    uid: b.uid ?? null,
    name: b.name,
    throttleRate: b.throttleRate ?? b.rateLimit ?? null,
    metadata: b.metadata ?? {},
    createdAt: now,
    updatedAt: now,
  };
}

/** PUT on an existing application: what it leaves out goes back to its default, except the uid. */
export function replacedApplication(existing: Application, b: ApplicationInput, now: number): Application {
  return {
    ...existing,
    name: b.name,
    uid: b.uid === undefined ? existing.uid : b.uid,
    throttleRate: b.throttleRate ?? b.rateLimit ?? null,
    metadata: b.metadata ?? {},
    updatedAt: now,
  };
}

/** PATCH: only what is given changes; a null rate limit clears it. */
export function patchedApplication(existing: Application, b: ApplicationPatch, now: number): Application {
  const rate = b.throttleRate !== undefined ? b.throttleRate : b.rateLimit;
  return {
    ...existing,
    name: b.name ?? existing.name,
    uid: b.uid === undefined ? existing.uid : b.uid,
    throttleRate: rate === undefined ? existing.throttleRate : rate,
    metadata: b.metadata ?? existing.metadata,
    updatedAt: now,
  };
}
