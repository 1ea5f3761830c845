import type { Endpoint, EndpointFormat, EndpointOptions } from "../entities.ts";
import type { SigningScheme } from "./secret-rules.ts";

/**
 * An endpoint's settings as a caller states them. Both generations of Svix field names are
 * accepted: v1 `filterTypes`/`rateLimit`, v2 `eventTypes`/`throttleRate`; the v2 name wins when
 * both are given.
 */
export interface EndpointSettings {
  url: string;
  description?: string;
  version?: number | null;
  throttleRate?: number | null;
  rateLimit?: number | null;
  uid?: string | null;
  disabled?: boolean;
  eventTypes?: string[] | null;
  filterTypes?: string[] | null;
  channels?: string[] | null;
  metadata?: Record<string, string>;
  filter?: string | null;
  format?: EndpointFormat;
  ordered?: boolean;
  cloudEventsHandshake?: boolean;
}

/** A create or a replace (PUT): the settings, and what only a new endpoint takes. */
export interface EndpointInput extends EndpointSettings {
  signingScheme?: SigningScheme;
  secret?: string | null;
  headers?: Record<string, string> | null;
}

/**
 * A PATCH: only the fields given change. `secret` is accepted for the v1 SDK's EndpointPatch and
 * ignored: a secret changes through a rotation, with its grace period.
 */
export type EndpointPatch = Partial<EndpointSettings> & { secret?: string | null };

/** What the merge rules need checked before they apply (see endpoint-service.ts). */
export interface CheckedParts {
  url: string;
}

/** An empty list means "no filter"; names are kept once each. */
export const emptyToNull = (list: string[] | null | undefined): string[] | null =>
  list && list.length > 0 ? [...new Set(list)] : null;

/** The endpoint options a create/replace (no `current`) or patch (with `current`) asks for. */
function optionsFrom(b: Partial<EndpointSettings>, current?: EndpointOptions): EndpointOptions {
  const filter = b.filter;
  return {
    ...current,
    filter: filter === undefined ? (current?.filter ?? null) : filter,
    format: b.format ?? current?.format ?? "standard",
    ordered: b.ordered ?? current?.ordered ?? false,
    cloudEventsHandshake: b.cloudEventsHandshake ?? current?.cloudEventsHandshake ?? false,
  };
}

/** A new endpoint: what the input leaves out takes its default. */
export function newEndpoint(
  ids: { id: string; appId: string; uid: string | null },
  b: EndpointInput,
  checked: CheckedParts & { secret: string },
  now: number,
): Endpoint {
  return {
    ...ids,
    url: checked.url,
    description: b.description ?? "",
    version: b.version ?? 1,
    disabled: b.disabled ?? false,
    throttleRate: b.throttleRate ?? b.rateLimit ?? null,
    eventTypes: emptyToNull(b.eventTypes ?? b.filterTypes),
    channels: emptyToNull(b.channels),
    metadata: b.metadata ?? {},
    headers: b.headers ?? {},
    secret: checked.secret,
    previousSecrets: [],
    failingSince: null,
    options: optionsFrom(b),
    handshakeValidatedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * PUT on an existing endpoint: every setting left out goes back to its default, except the uid,
 * the version and the headers (kept when not given), the secret (rotated, never replaced) and the
 * transformation (a sub-resource of its own).
 */
export function replacedEndpoint(existing: Endpoint, b: EndpointInput, checked: CheckedParts, now: number): Endpoint {
  return {
    ...existing,
    uid: b.uid === undefined ? existing.uid : b.uid,
    url: checked.url,
    description: b.description ?? "",
    version: b.version ?? existing.version,
    disabled: b.disabled ?? false,
    throttleRate: b.throttleRate ?? b.rateLimit ?? null,
    eventTypes: emptyToNull(b.eventTypes ?? b.filterTypes),
    channels: emptyToNull(b.channels),
    metadata: b.metadata ?? {},
    headers: b.headers ?? existing.headers,
    failingSince: b.disabled === false ? null : existing.failingSince,
    options: optionsFrom(b, { transformation: existing.options.transformation }),
    updatedAt: now,
  };
}

/** v2 name, else v1 name, else the current value; an explicit null clears it. */
const pick = <T>(v2: T | undefined, v1: T | undefined, current: T): T =>
  v2 !== undefined ? v2 : v1 !== undefined ? v1 : current;

/** PATCH: only what is given changes. */
export function patchedEndpoint(existing: Endpoint, b: EndpointPatch, checked: CheckedParts, now: number): Endpoint {
  return {
    ...existing,
    uid: b.uid === undefined ? existing.uid : b.uid,
    url: checked.url,
    description: b.description ?? existing.description,
    version: b.version ?? existing.version,
    disabled: b.disabled ?? existing.disabled,
    throttleRate: pick(b.throttleRate, b.rateLimit, existing.throttleRate),
    eventTypes: emptyToNull(pick(b.eventTypes, b.filterTypes, existing.eventTypes)),
    channels: b.channels === undefined ? existing.channels : emptyToNull(b.channels),
    metadata: b.metadata ?? existing.metadata,
    // Re-enabling an endpoint starts its failure streak afresh.
    failingSince: b.disabled === false ? null : existing.failingSince,
    options: optionsFrom(b, existing.options),
    updatedAt: now,
  };
}
