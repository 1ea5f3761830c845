import { closestName } from "../../core/did-you-mean.ts";
import { jsonEqual } from "../../core/json-equal.ts";
import type { ApiClient } from "../client.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import type { ApplicationSpec, EndpointSpec, EventTypeSpec } from "./file-schema.ts";
import type { LoadedConfig } from "./read-config-file.ts";
import type { Json, LiveApplication, LiveState } from "./live-state.ts";
import { sourceChanges } from "./plan-sources.ts";

/**
 * The difference between a configuration file and the server: the changes that make the server
 * match the file, in the order they must run (event types before the endpoints that subscribe to
 * them, deletions of sources and endpoints before applications', event types last). A field the file
 * leaves out is not managed and never shows; `delete` appears only when pruning, and only for
 * the sections the file has (a file without `eventTypes` prunes no event type).
 */

export type Kind = "event-type" | "application" | "endpoint" | "source" | "settings";
export type Action = "create" | "update" | "delete";

export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
  /** For a secret: the variable its new value comes from; neither value is ever shown. */
  fromVariable?: string;
}

export interface Change {
  action: Action;
  kind: Kind;
  /** `invoice.paid`, `acme`, `acme/primary` or `settings`. */
  name: string;
  fields: FieldChange[];
  /** Performs the change through the API (not part of the printed plan). */
  run(client: ApiClient): Promise<void>;
}

export interface Plan {
  changes: Change[];
  /** What the server has and the file does not name, left alone because --prune was not given. */
  kept: { kind: Kind; name: string }[];
}

const seg = encodeURIComponent;

const EVENT_TYPE_FIELDS = [
  "description",
  "schemas",
  "deprecated",
  "archived",
  "groupName",
  "featureFlags",
  "retrySchedule",
];
const APPLICATION_FIELDS = ["name", "rateLimit", "metadata"];
const ENDPOINT_FIELDS = [
  "url",
  "description",
  "eventTypes",
  "channels",
  "disabled",
  "rateLimit",
  "metadata",
  "filter",
  "format",
  "ordered",
];

/** `[]` and null both mean "no filter" for an endpoint (the API stores `[]` as null). */
const normalised = (field: string, value: unknown) =>
  (field === "eventTypes" || field === "channels") && Array.isArray(value) && value.length === 0 ? null : value;

/** The managed fields whose value differs, with the live value (`from`) and the file's (`to`). */
function differences(wanted: Json, live: Json, fields: string[]): FieldChange[] {
  return fields
    .filter((f) => wanted[f] !== undefined && !jsonEqual(normalised(f, wanted[f]), normalised(f, live[f] ?? null)))
    .map((f) => ({ field: f, from: live[f] ?? null, to: wanted[f] }));
}

const given = (spec: Json, fields: string[]): FieldChange[] =>
  fields.filter((f) => spec[f] !== undefined).map((f) => ({ field: f, to: spec[f] }));

const pick = (spec: Json, changes: FieldChange[]) =>
  Object.fromEntries(changes.filter((c) => c.fromVariable === undefined).map((c) => [c.field, spec[c.field]]));

export function planChanges(config: LoadedConfig, live: LiveState, prune: boolean): Plan {
  const { file, secrets } = config;
  const changes: Change[] = [];
  const deletions: Change[] = [];
  const kept: Plan["kept"] = [];

  if (file.eventTypes) {
    const liveTypes = new Map(live.eventTypes.map((e) => [e.name as string, e]));
    for (const spec of file.eventTypes) eventTypeChange(spec, liveTypes.get(spec.name), changes);
    const named = new Set(file.eventTypes.map((e) => e.name));
    for (const e of live.eventTypes) {
      if (named.has(e.name as string) || e.archived === true) continue;
      const name = e.name as string;
      if (!prune) kept.push({ kind: "event-type", name });
      else
        deletions.push({
          action: "delete",
          kind: "event-type",
          name,
          fields: [{ field: "archived", from: false, to: true }],
          run: async (client) => void (await client.request("DELETE", `/api/v1/event-type/${seg(name)}`)),
        });
    }
  }

  if (file.applications) {
    const byUid = new Map(live.applications.filter((a) => a.uid !== null).map((a) => [a.uid!, a]));
    const appDeletions: Change[] = [];
    for (const spec of file.applications) {
      const app = byUid.get(spec.uid);
      applicationChange(spec, app, changes);
      if (!spec.endpoints) continue;
      const liveEndpoints = new Map((app?.endpoints ?? []).filter((e) => e.uid !== null).map((e) => [e.uid!, e]));
      for (const ep of spec.endpoints)
        endpointChange(spec.uid, ep, liveEndpoints.get(ep.uid), secrets, live.secrets, changes);
      const named = new Set(spec.endpoints.map((e) => e.uid));
      for (const ep of app?.endpoints ?? []) {
        if (ep.uid !== null && named.has(ep.uid)) continue;
        const name = `${spec.uid}/${ep.uid ?? ep.id}`;
        if (!prune) kept.push({ kind: "endpoint", name });
        else
          deletions.push({
            action: "delete",
            kind: "endpoint",
            name,
            fields: [],
            run: async (client) =>
              void (await client.request("DELETE", `/api/v1/app/${seg(app!.id)}/endpoint/${seg(ep.id)}`)),
          });
      }
    }
    const named = new Set(file.applications.map((a) => a.uid));
    for (const app of live.applications) {
      if (app.uid !== null && named.has(app.uid)) continue;
      const name = app.uid ?? app.id;
      if (!prune) kept.push({ kind: "application", name });
      else
        appDeletions.push({
          action: "delete",
          kind: "application",
          name,
          fields: [],
          run: async (client) => void (await client.request("DELETE", `/api/v1/app/${seg(app.id)}`)),
        });
    }
    deletions.push(...appDeletions);
  }

  const sources = sourceChanges(config, live, prune);
  changes.push(...sources.changes);
  kept.push(...sources.kept);
  deletions.push(...sources.deletions);

  if (file.settings) settingsChange(file.settings, live.settings ?? {}, changes);

  // Endpoints go before their applications, and event types last, once nothing subscribes to them.
  const ordered = [
    ...deletions.filter((d) => d.kind === "source"),
    ...deletions.filter((d) => d.kind === "endpoint"),
    ...deletions.filter((d) => d.kind === "application"),
    ...deletions.filter((d) => d.kind === "event-type"),
  ];
  return { changes: [...changes, ...ordered], kept };
}

function eventTypeChange(spec: EventTypeSpec, live: Json | undefined, changes: Change[]): void {
  const wanted = spec as unknown as Json;
  if (!live) {
    const body = { name: spec.name, ...Object.fromEntries(EVENT_TYPE_FIELDS.map((f) => [f, wanted[f]])) };
    changes.push({
      action: "create",
      kind: "event-type",
      name: spec.name,
      fields: given(wanted, EVENT_TYPE_FIELDS),
      run: async (client) => void (await client.request("POST", "/api/v1/event-type", { body })),
    });
    return;
  }
  const fields = differences(wanted, live, EVENT_TYPE_FIELDS);
  if (fields.length === 0) return;
  changes.push({
    action: "update",
    kind: "event-type",
    name: spec.name,
    fields,
    run: async (client) =>
      void (await client.request("PATCH", `/api/v1/event-type/${seg(spec.name)}`, { body: pick(wanted, fields) })),
  });
}

function applicationChange(spec: ApplicationSpec, live: LiveApplication | undefined, changes: Change[]): void {
  const wanted = spec as unknown as Json;
  if (!live) {
    const body = { uid: spec.uid, ...Object.fromEntries(APPLICATION_FIELDS.map((f) => [f, wanted[f]])) };
    changes.push({
      action: "create",
      kind: "application",
      name: spec.uid,
      fields: given(wanted, APPLICATION_FIELDS),
      run: async (client) => void (await client.request("POST", "/api/v1/app", { body })),
    });
    return;
  }
  const fields = differences(wanted, live, APPLICATION_FIELDS);
  if (fields.length === 0) return;
  changes.push({
    action: "update",
    kind: "application",
    name: spec.uid,
    fields,
    run: async (client) =>
      void (await client.request("PATCH", `/api/v1/app/${seg(live.id)}`, { body: pick(wanted, fields) })),
  });
}

function endpointChange(
  appUid: string,
  spec: EndpointSpec,
  live: Json | undefined,
  wantedSecrets: LoadedConfig["secrets"],
  liveSecrets: Map<string, string>,
  changes: Change[],
): void {
  const wanted = spec as unknown as Json;
  const name = `${appUid}/${spec.uid}`;
  const secret = wantedSecrets.get(name);
  const base = `/api/v1/app/${seg(appUid)}/endpoint`;
  if (!live) {
    const fields = given(wanted, ENDPOINT_FIELDS);
    if (secret) fields.push({ field: "secret", fromVariable: secret.variable });
    const body = { uid: spec.uid, ...pick(wanted, fields), ...(secret ? { secret: secret.value } : {}) };
    changes.push({
      action: "create",
      kind: "endpoint",
      name,
      fields,
      run: async (client) => void (await client.request("POST", base, { body })),
    });
    return;
  }
  const fields = differences(wanted, live, ENDPOINT_FIELDS);
  const rotate = secret !== undefined && liveSecrets.get(name) !== secret.value;
  if (rotate) fields.push({ field: "secret", fromVariable: secret.variable });
  if (fields.length === 0) return;
  const one = `${base}/${seg(live.id as string)}`;
  changes.push({
    action: "update",
    kind: "endpoint",
    name,
    fields,
    run: async (client) => {
      const body = pick(wanted, fields);
      if (Object.keys(body).length > 0) await client.request("PATCH", one, { body });
      // The previous secret keeps signing for the server's grace period, so receivers can switch over.
      if (rotate) await client.request("POST", `${one}/secret/rotate`, { body: { key: secret.value } });
    },
  });
}

function settingsChange(wanted: Json, live: Json, changes: Change[]): void {
  const known = Object.keys(live);
  const unknown = Object.keys(wanted).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const near = closestName(unknown[0]!, known);
    throw new CliError(
      `settings.${unknown[0]}: the server has no such setting${near ? ` (did you mean "${near}"?)` : ""}`,
      EXIT.validation,
    );
  }
  const fields = differences(wanted, live, Object.keys(wanted));
  if (fields.length === 0) return;
  changes.push({
    action: "update",
    kind: "settings",
    name: "settings",
    fields,
    run: async (client) =>
      void (await client.request("POST", "/api/v1/environment/import", { body: { settings: pick(wanted, fields) } })),
  });
}
