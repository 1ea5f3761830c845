import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { boundHeapGrowth } from "../src/main/heap-growth.ts";

/**
 * The V8 heap growth bound `hookline serve` applies (src/main/heap-growth.ts): applied unless the
 * operator set the factor on node's command line. The command-line case runs in a child process,
 * since only there is the flag really in `process.execArgv`.
 */
const HEAP_GROWTH = fileURLToPath(new URL("../src/main/heap-growth.ts", import.meta.url));

describe("serve's heap growth bound", () => {
  it("applies itself by default", () => {
    assert.equal(boundHeapGrowth([]), true);
  });

  it("stands back when node's own command line sets the factor, in either spelling", () => {
    assert.equal(boundHeapGrowth(["--heap-growing-percent=300"]), false);
    assert.equal(boundHeapGrowth(["--heap_growing_percent=300"]), false);
    const child = spawnSync(
      process.execPath,
      [
        "--heap-growing-percent=300",
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { boundHeapGrowth } = await import(${JSON.stringify(HEAP_GROWTH)}); console.log(boundHeapGrowth());`,
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), "false");
  });
});
