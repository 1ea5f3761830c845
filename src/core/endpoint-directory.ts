import type { Endpoint } from "./entities.ts";
import type { Store } from "../store/store.ts";

/** How long a cached routing table may be used; bounds staleness when another process changed it. */
const TTL_MS = 2000;

/**
 * Each application's endpoints, kept in memory for routing new messages: fanning a message out
 * to 50 endpoints would otherwise read and parse 50 rows per request. Changes made through this
 * process invalidate at once; the TTL covers changes made elsewhere.
 */
export class EndpointDirectory {
  private readonly cache = new Map<string, { at: number; endpoints: Endpoint[] }>();

  constructor(private readonly store: Store) {}

  async forApp(appId: string): Promise<Endpoint[]> {
    const hit = this.cache.get(appId);
    const now = Date.now();
    if (hit && now - hit.at < TTL_MS) return hit.endpoints;
    const endpoints = await this.store.endpoints.listAll(appId);
    this.cache.set(appId, { at: now, endpoints });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return endpoints;
  }

  invalidate(appId: string): void {
    this.cache.delete(appId);
  }
}
