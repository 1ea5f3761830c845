import { availableParallelism } from "node:os";

/**
 * What one tenant expression may cost. Documented in docs/operations.md ("Expression sandbox");
 * change both together.
 */

/**
 * Evaluation time of one expression, checked by JSONata between steps (error D1012). Time limits
 * count CPU time (see cpu-time.ts): waiting for a CPU on a busy machine does not use them up.
 */
export const EVALUATION_TIMEOUT_MS = 100;
/** Nesting depth of one evaluation (JSONata's error D1011). */
export const EVALUATION_MAX_DEPTH = 200;
/**
 * A sandbox process that has used this much CPU time past the time limit without answering is
 * stopped hard (SIGKILL) and replaced: this is the bound inside a single long built-in call,
 * where JSONata's own check never runs.
 */
export const HARD_DEADLINE_GRACE_MS = 250;
/** And one that has not answered after this long in wall-clock time, however little CPU it got. */
export const HARD_DEADLINE_WALL_MS = 10_000;
/** V8 old-generation heap of one sandbox process; past it V8 aborts that process alone. */
export const SANDBOX_MEMORY_MB = 256;
/** Longest string a built-in may build or take, and longest transformation result (JSON text). */
export const MAX_STRING_LENGTH = 10_000_000;
/** Longest sequence or array an evaluation may build (ranges, appends, splits, sequences). */
export const MAX_SEQUENCE_LENGTH = 1_000_000;
/** Compiled expressions cached per sandbox process, least recently used evicted first. */
export const COMPILED_CACHE_SIZE = 2000;

/**
 * Sandbox processes: at least two, so one stopped or restarting process leaves another serving;
 * more only where there are cores to spare. They run at a lower CPU priority than the server.
 */
export const SANDBOX_PROCESSES = Math.min(4, Math.max(2, availableParallelism() - 1));
/**
 * Jobs in flight to one process: it runs them one at a time, but the next is already there when
 * one ends, so a process never waits for the server's event loop between two jobs. A job behind
 * one that is stopped never started, and runs again elsewhere.
 */
export const PIPELINE_DEPTH = 2;
/** Evaluations waiting for a free process; past this a request is refused as busy at once. */
export const MAX_QUEUE_LENGTH = 1024;
/**
 * The same for one application's API calls (simulate, expression checks), so a tenant cannot
 * fill the queue by itself. Its deliveries are bounded by the worker's concurrency instead
 * (an endpoint's share of it, docs/operations.md "Sizing notes"), and wait.
 */
export const MAX_QUEUE_PER_TENANT = 64;
/** How long an evaluation may wait for a free process before it is refused as busy. */
export const MAX_QUEUE_WAIT_MS = 10_000;
/**
 * Niceness of the sandbox processes, so the server's own work wins the CPU when both want it
 * (about 3:1 at 5), without starving the sandbox on a machine busy with other work.
 */
export const SANDBOX_NICENESS = 5;

/**
 * How long an expression that stopped its sandbox process (a crash, or its whole CPU budget) is
 * answered with that same failure without running again. Each stop costs a process start (a second
 * or two of CPU), so a tenant sending such an expression with every message would otherwise keep
 * both cores busy starting processes; its deliveries follow the retry schedule meanwhile.
 */
export const QUARANTINE_MS = 10 * 60_000;
/** Expressions remembered as above; the oldest is forgotten first. */
export const QUARANTINE_SIZE = 1000;

/**
 * Linear memory of the QuickJS engine in one sandbox process (javascript-evaluator.ts), about 48 MB
 * of it free for a script: past it the engine raises an out-of-memory error in the script, which
 * fails that evaluation only. JavaScript evaluations run one at a time, each in a fresh runtime.
 */
export const JAVASCRIPT_MEMORY_BYTES = 64 * 1024 * 1024;
/** Stack of one JavaScript evaluation: deep recursion raises a stack-overflow error in the script. */
export const JAVASCRIPT_STACK_BYTES = 256 * 1024;
