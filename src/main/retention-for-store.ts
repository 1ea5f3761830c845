import type { RetentionStrategy } from "../retention/retention-strategy.ts";
import { PostgresStore } from "../store/postgres/postgres-store.ts";
import { PostgresRetention } from "../store/postgres/retention.ts";
import { SqliteRetention } from "../store/sqlite/retention.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/store.ts";

/**
 * The retention strategy of the opened store's dialect. Only the periodic retention job uses one,
 * so the composition root builds it beside the store rather than the `Store` carrying it.
 */
export function retentionForStore(store: Store): RetentionStrategy {
  if (store instanceof SqliteStore) return new SqliteRetention(store);
  if (store instanceof PostgresStore) return new PostgresRetention(store.pool, store.partitions);
  throw new Error("no retention strategy for this store: neither SQLite nor PostgreSQL");
}
