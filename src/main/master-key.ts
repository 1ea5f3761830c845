import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DATA_DIR_MODE } from "./data-dir.ts";
import { ConfigError, decodeMasterKey } from "../config.ts";
import { SecretBox } from "../core/secret-box.ts";
import type { Store } from "../store/store.ts";

/**
 * The key that encrypts secrets at rest: HOOKLINE_MASTER_KEY when set (required in practice for
 * a cluster, where every process must share it); otherwise generated on the first start into
 * `<data dir>/master-key` with mode 0600 and reused after.
 */
export function resolveMasterKey(configured: string | undefined, dataDir: string): SecretBox {
  if (configured) return new SecretBox(decodeMasterKey(configured)!);
  const file = path.join(dataDir, "master-key");
  if (existsSync(file)) {
    const key = decodeMasterKey(readFileSync(file, "utf8"));
    if (!key) throw new ConfigError(`${file} does not hold a 32-byte key; restore it or set HOOKLINE_MASTER_KEY`);
    return new SecretBox(key);
  }
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const key = randomBytes(32);
  try {
    writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process starting on the same data directory wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return resolveMasterKey(undefined, dataDir);
    throw error;
  }
  return new SecretBox(key);
}

/**
 * Records the key's fingerprint in the database on first use and refuses to run with another
 * key afterwards: secrets sealed with one key cannot be opened with another, and finding that out
 * at start-up beats failing every delivery.
 */
export async function checkMasterKey(store: Store, box: SecretBox): Promise<void> {
  const fingerprint = box.fingerprint();
  const stored = await store.settings.putIfAbsent("master_key_fingerprint", fingerprint);
  if (stored !== fingerprint) {
    throw new ConfigError(
      "the master key (HOOKLINE_MASTER_KEY or <data dir>/master-key) is not the one this database's secrets " +
        "were encrypted with; every process sharing a database needs the same key",
    );
  }
}
