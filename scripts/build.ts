import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUILD_STAMP, distIsFresh, sourceFingerprint } from "../bin/build-freshness.js";

/**
 * `npm run build` (and `npm ci`, through `prepare`): compiles src/ to JavaScript in dist/
 * (tsconfig.build.json), copies the files the code loads at run time (the SQL migrations) beside
 * it, and writes the fingerprint of the sources it compiled, which bin/hookline.js checks before it
 * runs dist/ (bin/build-freshness.js). Type checking is `npm run typecheck`'s job; this only emits.
 *
 * The build is written to a directory of its own and moved into place at the end, so a process
 * starting meanwhile finds the old build, none (and runs the sources), or the new one, never half
 * of one. Nothing is compiled when dist/ already matches the sources. An install without
 * development dependencies (`npm ci --omit=dev`) has no compiler: it runs the sources through tsx,
 * and this step says so.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCES = path.join(ROOT, "src");
const DIST = path.join(ROOT, "dist");

// `npm ci && npm test` would otherwise compile the same sources twice; `--force` compiles anyway.
if (!process.argv.includes("--force") && distIsFresh(ROOT)) {
  console.log("hookline: dist/ is already built from these sources (npm run build -- --force rebuilds it)");
  process.exit(0);
}

let tsc: string;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  console.warn(
    "hookline: not compiled ahead of time (TypeScript is a development dependency and is not installed); " +
      "the sources run through tsx, which starts more slowly",
  );
  process.exit(0);
}

// Taken before compiling: a source edited during the build then no longer matches, and the build
// counts as stale.
const fingerprint = sourceFingerprint(ROOT);
const staging = path.join(ROOT, `dist.building-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.build.json"), "--outDir", staging], {
  stdio: "inherit",
});
if (compiled.status !== 0) {
  rmSync(staging, { recursive: true, force: true });
  console.error("hookline: the build failed");
  process.exit(compiled.status ?? 1);
}

/** Every file under src/ that is not TypeScript (the migrations' .sql), copied to the same place. */
function copyAssets(relative: string): void {
  for (const entry of readdirSync(path.join(SOURCES, relative), { withFileTypes: true })) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) copyAssets(child);
    else if (!entry.name.endsWith(".ts")) {
      mkdirSync(path.join(staging, relative), { recursive: true });
      cpSync(path.join(SOURCES, child), path.join(staging, child));
    }
  }
}
copyAssets(".");
writeFileSync(path.join(staging, path.relative("dist", BUILD_STAMP)), fingerprint + "\n");

rmSync(DIST, { recursive: true, force: true });
renameSync(staging, DIST);
