import type { ApiClient } from "../client.ts";
import type { ConfigFile } from "./file-schema.ts";

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

export interface LiveState {
  eventTypes: Json[];
  applications: LiveApplication[];
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
): Promise<LiveState> {
  const [eventTypes, applications, settings] = await Promise.all([
    file.eventTypes ? listAll(client, "/api/v1/event-type", { include_archived: "true" }) : Promise.resolve([]),
    file.applications ? listAll(client, "/api/v1/app") : Promise.resolve([]),
    file.settings ? (client.request("GET", "/api/v1/environment/settings") as Promise<Json>) : Promise.resolve(null),
  ]);
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
  return { eventTypes, applications: apps, settings, secrets };
}
