import type { RetentionPass, RetentionStrategy } from "../retention/retention-strategy.ts";
import type { HooklineMetrics } from "./metrics.ts";
import { timedOperation } from "./store-metrics.ts";

/**
 * Times a retention strategy's database work like the store's operations (store-metrics.ts): the
 * start of a pass as `retention.beginPass` (PostgreSQL's partition drops), each batch of a step as
 * `retention.<step name>` (`retention.deleteMessagesBefore`, …) and the end of a pass as
 * `retention.endPass` (SQLite's thread stopping). In place, like the store, so the strategy keeps
 * its own type.
 */
export function instrumentRetention(strategy: RetentionStrategy, metrics: HooklineMetrics): void {
  const beginPass = timedOperation(metrics, "retention.beginPass", strategy.beginPass, strategy);
  strategy.beginPass = async (...args) => timedPass(await beginPass(...args), metrics);
}

function timedPass(pass: RetentionPass, metrics: HooklineMetrics): RetentionPass {
  return {
    removed: pass.removed,
    steps: pass.steps.map((step) => ({
      name: step.name,
      counted: step.counted,
      batch: timedOperation(metrics, `retention.${step.name}`, step.batch, step),
    })),
    end: timedOperation(metrics, "retention.endPass", pass.end, pass),
  };
}
