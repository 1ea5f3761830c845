/**
 * What a store contract case is: one behaviour of the Store interface (src/store/store.ts), run
 * unchanged on a fresh SqliteStore and a fresh PostgresStore by test/store-contract.test.ts.
 */
import type { Store } from "../../src/store/store.ts";

export interface StoreCase {
  name: string;
  /** Set (with the reason) when the stores are known to disagree here: the case reports, never fails. */
  todo?: string;
  run(store: Store): Promise<void>;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * A fixed id of the form src/core/ids.ts makes: created at `t`, with `n` for its random part. The
 * ids' order (by `t`, then `n`) and the time they carry are the same in every run and on both
 * stores, which PostgreSQL's time partitions and id-bounded retention both read.
 */
export function fixedId(prefix: string, t: number, n = 0): string {
  let value = (BigInt(t) << 112n) | BigInt(n);
  let out = "";
  for (let i = 0; i < 27; i++) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return `${prefix}_${out}`;
}
