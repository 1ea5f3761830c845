import type { Endpoint } from "./entities.ts";
import type { Store } from "../store/store.ts";

/** How long a cached routing table may be used; bounds staleness when another process changed it. */
const TTL_MS = 2000;

interface Entry {
  at: number;
  endpoints: Endpoint[];
  byId: Map<string, Endpoint>;
}

/**
 * Each application's endpoints, kept in memory for routing new messages and for the worker's
 * attempts: fanning a message out to 50 endpoints would otherwise read and parse 50 rows per
 * request, and every attempt would read and parse its endpoint's row again (4% of the CPU of an
 * end-to-end delivery). Changes made through this process invalidate at once, and the worker
 * patches in what its attempts change (failure streak, handshake); the TTL covers changes made
 * by other processes.
 */
export class EndpointDirectory {
  private readonly cache = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Bumped by every invalidation, so a read that raced one is not cached. */
  private generation = 0;

  constructor(private readonly store: Store) {}

  async forApp(appId: string): Promise<Endpoint[]> {
    return (await this.entry(appId)).endpoints;
  }

  /** One endpoint of an application (by id, not uid), or undefined if it no longer exists. */
  async endpoint(appId: string, endpointId: string): Promise<Endpoint | undefined> {
    return (await this.entry(appId)).byId.get(endpointId);
  }

  /** Applies a change this process just committed to the cached copy, so the next attempt sees it. */
  patch(appId: string, endpointId: string, change: Partial<Pick<Endpoint, "failingSince" | "handshakeValidatedAt">>) {
    const endpoint = this.cache.get(appId)?.byId.get(endpointId);
    if (endpoint) Object.assign(endpoint, change);
  }

  invalidate(appId: string): void {
    this.cache.delete(appId);
    this.loading.delete(appId);
    this.generation++;
  }

  private async entry(appId: string): Promise<Entry> {
    const hit = this.cache.get(appId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit;
    // Attempts that start together for an uncached application share one read.
    let loading = this.loading.get(appId);
    if (!loading) {
      const load = this.load(appId).finally(() => {
        if (this.loading.get(appId) === load) this.loading.delete(appId);
      });
      this.loading.set(appId, (loading = load));
    }
    return loading;
  }

  private async load(appId: string): Promise<Entry> {
    const generation = this.generation;
    const at = Date.now();
    const endpoints = await this.store.endpoints.listAll(appId);
    const entry = { at, endpoints, byId: new Map(endpoints.map((e) => [e.id, e])) };
    // A change committed while this read ran may not be in it: use it once, do not keep it.
    if (generation !== this.generation) return entry;
    this.cache.set(appId, entry);
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }
}
