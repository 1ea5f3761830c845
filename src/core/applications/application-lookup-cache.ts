import type { Application } from "../entities.ts";

/** How long a looked-up application may be used; bounds staleness when another process changed it. */
export const APPLICATION_LOOKUP_TTL_MS = 2000;
/** Enough for every tenant of a large installation; past it the oldest entry goes first. */
const MAX_ENTRIES = 10_000;

interface Entry {
  at: number;
  application: Application;
}

/**
 * Applications by id or uid, kept in memory for the message hot path: accepting a message looks
 * its application up first, a read through a busy write-ahead log on SQLite and one more round
 * trip per message on PostgreSQL (measured in docs/benchmarks.md, "Delivery throughput and
 * latency"). Only found applications are kept, so an application created anywhere is seen at
 * once. Every change this process makes drops the whole cache (changes are rare next to
 * messages); the TTL bounds what another process's change may leave stale, as the routing
 * cache's does (core/endpoint-directory.ts).
 */
export class ApplicationLookupCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation, so a lookup that raced one is not kept. */
  private generation = 0;

  constructor(
    private readonly load: (idOrUid: string) => Promise<Application | undefined>,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = APPLICATION_LOOKUP_TTL_MS,
  ) {}

  async get(idOrUid: string): Promise<Application | undefined> {
    const hit = this.entries.get(idOrUid);
    // A clock set back (a test's, or the host's) makes an entry's age negative: read it again.
    const age = hit ? this.now() - hit.at : -1;
    if (hit && age >= 0 && age < this.ttlMs) return hit.application;
    const generation = this.generation;
    const at = this.now();
    const application = await this.load(idOrUid);
    if (!application) {
      this.entries.delete(idOrUid);
      return undefined;
    }
    // A change committed while this read ran may not be in it: use it once, do not keep it.
    if (generation === this.generation) {
      this.entries.delete(idOrUid);
      this.entries.set(idOrUid, { at, application });
      if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    }
    return application;
  }

  /** After any change to any application in this process (its uid may have moved to another). */
  invalidate(): void {
    this.entries.clear();
    this.generation++;
  }
}
