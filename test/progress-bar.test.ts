import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatDuration, renderProgress } from "../src/cli/progress-bar.ts";

/** The progress line of `hookline replay` and `--wait` (src/cli/progress-bar.ts): a pure function of its inputs. */
describe("progress bar", () => {
  test("a bar, done/total, percentage, rate and the time left at that rate", () => {
    assert.equal(
      renderProgress({ done: 250, total: 1000, elapsedMs: 5000 }),
      `[${"#".repeat(8)}${"-".repeat(22)}] 250/1000 25%  50.0/s  ETA 15s`,
    );
    assert.equal(
      renderProgress({ done: 1000, total: 1000, elapsedMs: 20_000 }),
      `[${"#".repeat(30)}] 1000/1000 100%  50.0/s  ETA 0s`,
    );
  });

  test("before any progress or time, the ETA is unknown", () => {
    assert.equal(renderProgress({ done: 0, total: 10, elapsedMs: 0 }), `[${"-".repeat(30)}] 0/10 0%  -/s  ETA ?`);
    assert.equal(renderProgress({ done: 0, total: 10, elapsedMs: 2000 }), `[${"-".repeat(30)}] 0/10 0%  0.0/s  ETA ?`);
  });

  test("done past the count stretches the total; nothing to do is complete; no total shows the count only", () => {
    assert.equal(
      renderProgress({ done: 12, total: 10, elapsedMs: 1000 }),
      `[${"#".repeat(30)}] 12/12 100%  12.0/s  ETA 0s`,
    );
    assert.equal(renderProgress({ done: 0, total: 0, elapsedMs: 1000 }), `[${"#".repeat(30)}] 0/0 100%  0.0/s  ETA 0s`);
    assert.equal(renderProgress({ done: 7, total: null, elapsedMs: 2000 }), "7 done  3.5/s");
  });

  test("durations stay short", () => {
    assert.deepEqual([5, 90, 3725, 0.4].map(formatDuration), ["5s", "1m30s", "1h02m", "0s"]);
    // A 100,000-message replay at 40 a second: 41 minutes 40 seconds left.
    assert.match(renderProgress({ done: 0 + 1, total: 100_001, elapsedMs: 25 }), /ETA 41m40s$/);
  });
});
