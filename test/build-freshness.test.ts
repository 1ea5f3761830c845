import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { BUILD_STAMP, distIsFresh, sourceFingerprint } from "../bin/build-freshness.js";

/**
 * bin/hookline.js runs dist/ only when it was built from the sources as they are now; any edit,
 * added or removed source, or changed compiler setting since the build sends it back to the
 * sources (docs/architecture.md, "Compiled ahead of time").
 */
describe("whether dist/ is fresh", () => {
  let root: string;
  const write = (relative: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), text);
  };
  const build = () => write(BUILD_STAMP, sourceFingerprint(root) + "\n");

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "hookline-freshness-"));
    write("src/main/cli.ts", "export const a = 1;\n");
    write("src/store/migrations/sqlite/0001_core.sql", "create table t (x);\n");
    write("tsconfig.json", "{}");
    write("tsconfig.build.json", "{}");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("is fresh right after a build, and not without one", () => {
    assert.equal(distIsFresh(root), false, "no build yet");
    build();
    assert.equal(distIsFresh(root), true);
  });

  it("is stale once a source is edited, even to the same size", () => {
    build();
    write("src/main/cli.ts", "export const a = 2;\n");
    utimesSync(path.join(root, "src/main/cli.ts"), new Date(), new Date(Date.now() + 5_000));
    assert.equal(distIsFresh(root), false);
  });

  it("is stale once a source is added, removed or renamed, a migration included", () => {
    build();
    write("src/main/new.ts", "");
    assert.equal(distIsFresh(root), false, "added");
    rmSync(path.join(root, "src/main/new.ts"));
    assert.equal(distIsFresh(root), true, "back as built");
    renameSync(path.join(root, "src/main/cli.ts"), path.join(root, "src/main/command-line.ts"));
    assert.equal(distIsFresh(root), false, "renamed (its time and size kept)");
    renameSync(path.join(root, "src/main/command-line.ts"), path.join(root, "src/main/cli.ts"));
    rmSync(path.join(root, "src/store/migrations/sqlite/0001_core.sql"));
    assert.equal(distIsFresh(root), false, "removed");
  });

  it("is stale once the compiler settings change", () => {
    build();
    write("tsconfig.build.json", '{"compilerOptions":{}}');
    assert.equal(distIsFresh(root), false);
  });
});
