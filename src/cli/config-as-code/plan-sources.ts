import { jsonEqual } from "../../core/json-equal.ts";
import type { SourceSpec } from "./file-schema.ts";
import type { Json, LiveSource, LiveState } from "./live-state.ts";
import type { Change, FieldChange, Plan } from "./plan-changes.ts";
import type { LoadedConfig, ResolvedSourceConfig } from "./read-config-file.ts";

/**
 * The inbound sources of a configuration file against the server's, by uid (docs/cli.md,
 * "Configuration as code"). A source's provider config is managed as a whole when the file gives
 * one; the API never shows its secrets, so which config fields differ is asked of the server
 * (`…/config/compare`, in live-state.ts), and a secret's change shows only its variable.
 */

const BASE = "/ingest/api/v1/source";
const seg = encodeURIComponent;

const SOURCE_FIELDS = [
  "name",
  "type",
  "metadata",
  "dedupeWindowSeconds",
  "forwardHeaders",
  "response",
  "publicUrl",
  "allowedIps",
  "deniedIps",
];
/** What a source holds besides its config: kept as they are when a type change replaces the source. */
const REPLACED_FIELDS = SOURCE_FIELDS.filter((f) => f !== "type" && f !== "name");

/** A value as the server stores it (routes/ingest-sources.ts and inbound/source-settings.ts), so equal ones compare equal. */
function stored(field: string, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (field) {
    case "forwardHeaders":
      return (value as string[]).map((h) => h.toLowerCase());
    case "allowedIps":
    case "deniedIps": {
      const list = value as string[];
      return list.length === 0 ? null : list.map((e) => e.trim());
    }
    case "response": {
      const r = value as { status: number; contentType?: string; body?: string };
      return { status: r.status, contentType: r.contentType ?? "text/plain; charset=utf-8", body: r.body ?? "" };
    }
    case "publicUrl":
      try {
        return new URL(value as string).toString();
      } catch {
        return value; // the server refuses it, with the reason
      }
    default:
      return value;
  }
}

function differences(wanted: Json, live: Json): FieldChange[] {
  return SOURCE_FIELDS.filter(
    (f) => wanted[f] !== undefined && !jsonEqual(stored(f, wanted[f]), stored(f, live[f] ?? null)),
  ).map((f) => ({ field: f, from: live[f] ?? null, to: wanted[f] }));
}

const given = (wanted: Json): FieldChange[] =>
  SOURCE_FIELDS.filter((f) => wanted[f] !== undefined).map((f) => ({ field: f, to: wanted[f] }));

/** A config field's change: by variable for `${ENV:NAME}` values, "not shown" for a secret that goes away. */
function configField(field: string, resolved: ResolvedSourceConfig, live: Json | null): FieldChange {
  const variable = resolved.variables.get(field);
  if (variable !== undefined) return { field: `config.${field}`, fromVariable: variable };
  const hidden = live !== null && !(field in live) && live[`has${field[0]!.toUpperCase()}${field.slice(1)}`] === true;
  return {
    field: `config.${field}`,
    ...(live !== null ? { from: hidden ? "(secret, not shown)" : (live[field] ?? null) } : {}),
    to: resolved.config[field] ?? null,
  };
}

export function sourceChanges(
  config: LoadedConfig,
  live: LiveState,
  prune: boolean,
): { changes: Change[]; deletions: Change[]; kept: Plan["kept"] } {
  const out = { changes: [] as Change[], deletions: [] as Change[], kept: [] as Plan["kept"] };
  const specs = config.file.sources;
  if (!specs) return out;
  const byUid = new Map(live.sources.filter((s) => s.uid !== null).map((s) => [s.uid!, s]));
  for (const spec of specs) {
    const resolved = config.sourceConfigs.get(spec.uid);
    const existing = byUid.get(spec.uid);
    const change = existing
      ? updateSource(spec, resolved, existing, live.sourceConfigDifferences.get(spec.uid) ?? [])
      : createSource(spec, resolved);
    if (change) out.changes.push(change);
  }
  const named = new Set(specs.map((s) => s.uid));
  for (const source of live.sources) {
    if (source.uid !== null && named.has(source.uid)) continue;
    const name = source.uid ?? source.id;
    if (!prune) out.kept.push({ kind: "source", name });
    else
      out.deletions.push({
        action: "delete",
        kind: "source",
        name,
        fields: [],
        run: async (client) => void (await client.request("DELETE", `${BASE}/${seg(source.id)}`)),
      });
  }
  return out;
}

function createSource(spec: SourceSpec, resolved: ResolvedSourceConfig | undefined): Change {
  const wanted = spec as unknown as Json;
  const fields = given(wanted);
  if (resolved) for (const field of Object.keys(resolved.config)) fields.push(configField(field, resolved, null));
  const body = { ...wanted, ...(resolved ? { config: resolved.config } : {}) };
  return {
    action: "create",
    kind: "source",
    name: spec.uid,
    fields,
    run: async (client) => void (await client.request("POST", BASE, { body })),
  };
}

function updateSource(
  spec: SourceSpec,
  resolved: ResolvedSourceConfig | undefined,
  live: LiveSource,
  configDifferences: string[],
): Change | undefined {
  const wanted = spec as unknown as Json;
  const fields = differences(wanted, live);
  if (resolved) for (const field of configDifferences) fields.push(configField(field, resolved, live.config));
  if (fields.length === 0) return undefined;
  const one = `${BASE}/${seg(live.id)}`;
  const typeChanges = fields.some((f) => f.field === "type");
  return {
    action: "update",
    kind: "source",
    name: spec.uid,
    fields,
    run: async (client) => {
      if (typeChanges) {
        // Only a replacement changes a source's type; what the file leaves out keeps its live value.
        const kept = Object.fromEntries(REPLACED_FIELDS.map((f) => [f, live[f]]));
        const body = { ...kept, ...wanted, config: resolved?.config ?? {} };
        await client.request("PUT", one, { body });
        return;
      }
      const body: Json = Object.fromEntries(
        fields.filter((f) => !f.field.startsWith("config.")).map((f) => [f.field, wanted[f.field]]),
      );
      if (resolved && configDifferences.length > 0) body.config = resolved.config;
      await client.request("PATCH", one, { body });
    },
  };
}
