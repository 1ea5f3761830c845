import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenBuckets } from "../src/api/token-buckets.ts";

test("a bucket allows a second's worth at once, refills with time, and tells how long to wait", () => {
  const buckets = new TokenBuckets(2);
  assert.deepEqual([buckets.take("a", 0), buckets.take("a", 0), buckets.take("a", 0)], [0, 0, 500]);
  assert.equal(buckets.take("b", 0), 0, "each principal has its own bucket");
  assert.equal(buckets.take("a", 500), 0);
  assert.equal(new TokenBuckets(0).take("a", 0), 0, "a rate of 0 is no limit");
});

test("a clock that steps back neither drains nor fills a bucket", () => {
  const buckets = new TokenBuckets(2);
  assert.equal(buckets.take("a", 10_000), 0);
  assert.equal(buckets.take("a", 10_000 - 3_600_000), 0, "one token was left; the step back costs nothing");
  assert.ok(buckets.take("a", 10_000 - 3_600_000) > 0, "and gives nothing either");
  assert.equal(buckets.take("a", 10_000 - 3_600_000 + 500), 0, "refills from the new time on");
});
