// Whether dist/ was compiled from the sources exactly as they are now. scripts/build.ts writes the
// fingerprint of its inputs into dist/ before it compiles them; bin/hookline.js runs dist/ only when
// the fingerprint still matches, so an edited, added or removed source is never run from stale
// JavaScript. The fingerprint covers every file's path, size and modification time: stat calls
// only, cheap enough for every start (docs/architecture.md, "Compiled ahead of time").
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Where the build writes the fingerprint of the sources it compiled, relative to the repository. */
export const BUILD_STAMP = path.join("dist", ".build-stamp");

/** What the build reads: the sources (TypeScript and the SQL migrations) and the compiler settings. */
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json"];

/**
 * A digest of the path, size and modification time of every build input under `root`.
 * @param {string} root
 * @returns {string}
 */
export function sourceFingerprint(root) {
  const lines = [];
  const visit = (relative) => {
    const stats = statSync(path.join(root, relative));
    if (!stats.isDirectory()) {
      lines.push(`${relative}\t${stats.size}\t${stats.mtimeMs}`);
      return;
    }
    for (const name of readdirSync(path.join(root, relative)).sort()) visit(path.join(relative, name));
  };
  for (const input of INPUTS) visit(input);
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

/**
 * True when `root`/dist holds a complete build of the sources as they are now.
 * @param {string} root
 * @returns {boolean}
 */
export function distIsFresh(root) {
  let stamp;
  try {
    stamp = readFileSync(path.join(root, BUILD_STAMP), "utf8").trim();
  } catch {
    return false;
  }
  try {
    return stamp === sourceFingerprint(root);
  } catch {
    return false;
  }
}
