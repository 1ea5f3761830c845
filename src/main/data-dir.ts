import { mkdirSync, statSync } from "node:fs";
import type { Logger } from "pino";

/** Only the user Hookline runs as may list or enter the data directory (docs/operations.md#file-modes). */
export const DATA_DIR_MODE = 0o700;

/**
 * Creates the data directory 0700 if it is missing. One that already exists keeps its mode (an
 * operator may have widened it on purpose, say for a backup agent's group), but a directory that
 * other users may enter is reported once at start-up: the database, the admin token and the
 * master key live there.
 */
export function prepareDataDir(dataDir: string, log: Logger): void {
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & ~DATA_DIR_MODE) !== 0) {
    log.warn(
      { dataDir, mode: `0${mode.toString(8)}` },
      "the data directory is accessible to other users; restrict it with chmod 700",
    );
  }
}
