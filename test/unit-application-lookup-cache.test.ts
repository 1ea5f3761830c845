import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  APPLICATION_LOOKUP_TTL_MS,
  ApplicationLookupCache,
} from "../src/core/applications/application-lookup-cache.ts";
import type { Application } from "../src/core/entities.ts";

/**
 * The per-message application lookup (src/core/applications/application-lookup-cache.ts) without
 * a server: what it keeps, for how long, and that no change made in this process is ever missed.
 * The store is a map the test edits; the clock is moved by hand.
 */
function fixture() {
  const stored = new Map<string, Application>();
  let reads = 0;
  let now = 1_000_000;
  let gate: Promise<void> | null = null;
  const cache = new ApplicationLookupCache(
    async (idOrUid) => {
      reads++;
      // What the database answered, arriving after the gate opens (a read overtaken by a change).
      const found = [...stored.values()].find((a) => a.id === idOrUid || a.uid === idOrUid);
      if (gate) await gate;
      return found;
    },
    () => now,
  );
  const put = (id: string, uid: string | null, name = id) =>
    stored.set(id, { id, uid, name, throttleRate: null, metadata: {}, createdAt: 0, updatedAt: 0 });
  return {
    cache,
    stored,
    put,
    reads: () => reads,
    advance: (ms: number) => (now += ms),
    hold(): () => void {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

describe("application lookup cache", () => {
  it("answers repeated lookups from memory until the TTL, then reads again", async () => {
    const f = fixture();
    f.put("app_1", "billing");
    assert.equal((await f.cache.get("app_1"))?.id, "app_1");
    assert.equal((await f.cache.get("app_1"))?.id, "app_1");
    assert.equal(f.reads(), 1);
    f.put("app_1", "billing", "renamed elsewhere");
    f.advance(APPLICATION_LOOKUP_TTL_MS - 1);
    assert.equal((await f.cache.get("app_1"))?.name, "app_1", "within the TTL another process's change may not show");
    f.advance(1);
    assert.equal((await f.cache.get("app_1"))?.name, "renamed elsewhere");
    assert.equal(f.reads(), 2);
  });

  it("never keeps a miss, so an application created anywhere is found at once", async () => {
    const f = fixture();
    assert.equal(await f.cache.get("billing"), undefined);
    f.put("app_2", "billing");
    assert.equal((await f.cache.get("billing"))?.id, "app_2");
  });

  it("drops everything on invalidate: a uid that moved, an application deleted", async () => {
    const f = fixture();
    f.put("app_1", "billing");
    await f.cache.get("billing");
    await f.cache.get("app_1");
    f.stored.delete("app_1");
    f.put("app_3", "billing");
    f.cache.invalidate();
    assert.equal((await f.cache.get("billing"))?.id, "app_3");
    assert.equal(await f.cache.get("app_1"), undefined);
  });

  it("does not keep a read that raced an invalidation", async () => {
    const f = fixture();
    f.put("app_1", "billing", "before");
    const release = f.hold();
    const racing = f.cache.get("app_1");
    f.put("app_1", "billing", "after");
    f.cache.invalidate();
    release();
    assert.equal((await racing)?.name, "before", "the racing caller gets what it read");
    assert.equal((await f.cache.get("app_1"))?.name, "after", "but the next lookup reads again");
  });

  it("reads again when the clock is set back", async () => {
    const f = fixture();
    f.put("app_1", null);
    await f.cache.get("app_1");
    f.advance(-60_000);
    await f.cache.get("app_1");
    assert.equal(f.reads(), 2);
  });
});
