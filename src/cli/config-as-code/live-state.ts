import type { ApiClient } from "../client.ts";
import type { ConfigFile } from "./file-schema.ts";
import type { ResolvedSourceConfig } from "./read-config-file.ts";

/**
 * What the server holds of what a configuration file manages, read through the management API
 * only (the same routes an SDK uses), so plan works against any Hookline a token reaches.
 */

export type Json = Record<string, unknown>;

export interface LiveEndpoint extends Json {
  id: string;
  uid: string | null;
}

export interface LiveApplication extends Json {
  id: string;
  uid: string | null;
  name: string;
  /** Read for the applications the file names, and for all when pruning (whose endpoints go with them). */
  endpoints?: LiveEndpoint[];
}

export interface LiveSource extends Json {
  id: string;
  uid: string | null;
  type: string;
  /** Redacted by the API: secret fields appear only as `hasSecret: true`. */
  config: Json;
}

export interface LiveState {
  eventTypes: Json[];
  applications: LiveApplication[];
  sources: LiveSource[];
  /**
   * For each live source whose config the file gives (by uid): the config fields that differ from
   * the file's, secrets included, as the server compares them (it never shows a source's secret).
   */
  sourceConfigDifferences: Map<string, string[]>;
  settings: Json | null;
  /** Endpoint signing secrets by `appUid/endpointUid`, read only for endpoints whose secret the file sets. */
  secrets: Map<string, string>;
}

const seg = encodeURIComponent;

/** Every item of a paginated list (`{data, iterator, done}`), at the API's largest page. */
export async function listAll(client: ApiClient, path: string, query: Record<string, string> = {}): Promise<Json[]> {
  const items: Json[] = [];
  let iterator: string | undefined;
  for (;;) {
    const page = (await client.request("GET", path, { query: { ...query, limit: 250, iterator } })) as {
      data: Json[];
      iterator: string | null;
      done: boolean;
    };
    items.push(...page.data);
    if (page.done || !page.iterator) return items;
    iterator = page.iterator;
  }
}

export async function readLiveState(
  client: ApiClient,
  file: ConfigFile,
  secretsWanted: Set<string>,
  sourceConfigs: Map<string, ResolvedSourceConfig> = new Map(),
): Promise<LiveState> {
  const [eventTypes, applications, settings, sources] = await Promise.all([
    file.eventTypes ? listAll(client, "/api/v1/event-type", { include_archived: "true" }) : Promise.resolve([]),
    file.applications ? listAll(client, "/api/v1/app") : Promise.resolve([]),
    file.settings ? (client.request("GET", "/api/v1/environment/settings") as Promise<Json>) : Promise.resolve(null),
    file.sources ? (listAll(client, "/ingest/api/v1/source") as Promise<LiveSource[]>) : Promise.resolve([]),
  ]);
  const sourceConfigDifferences = new Map<string, string[]>();
  for (const source of sources) {
    const wanted = source.uid === null ? undefined : sourceConfigs.get(source.uid);
    if (!wanted) continue;
    const compared = (await client.request("POST", `/ingest/api/v1/source/${seg(source.id)}/config/compare`, {
      body: { config: wanted.config },
    })) as { differingFields: string[] };
    sourceConfigDifferences.set(source.uid!, compared.differingFields);
  }
  const apps = applications as LiveApplication[];
  const named = new Set((file.applications ?? []).map((a) => a.uid));
  const secrets = new Map<string, string>();
  for (const app of apps) {
    if (app.uid === null || !named.has(app.uid)) continue;
    app.endpoints = (await listAll(client, `/api/v1/app/${seg(app.id)}/endpoint`)) as LiveEndpoint[];
    for (const ep of app.endpoints) {
      const key = `${app.uid}/${ep.uid}`;
      if (!secretsWanted.has(key)) continue;
      const secret = (await client.request("GET", `/api/v1/app/${seg(app.id)}/endpoint/${seg(ep.id)}/secret`)) as {
        key: string;
      };
      secrets.set(key, secret.key);
    }
  }
  return { eventTypes, applications: apps, sources, sourceConfigDifferences, settings, secrets };
}
