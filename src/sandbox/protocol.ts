/**
 * The messages between the server and a sandbox process. One job is one message's worth of work
 * for one endpoint: its filter and transformation travel together, so an ordinary delivery costs
 * one round trip whatever it uses.
 */

/**
 * The language of a job's transformation: JSONata, or a JavaScript `handler(webhook)` run in
 * QuickJS (javascript-evaluator.ts). Filters are always JSONata. Each language has its own
 * evaluator in the sandbox process (see sandbox-process.ts).
 */
export type Language = "jsonata" | "javascript";

/** The HTTP methods a JavaScript transformation may choose for its delivery. */
export type DeliveryMethod = "POST" | "PUT";

/** What an expression sees: the message, in the same shape for filters and transformations. */
export interface ExpressionInput {
  eventType: string;
  payload: unknown;
  channels: string[] | null;
  msgId: string;
  /** The endpoint's URL: what a JavaScript transformation sees as `webhook.url` (and may change). */
  url?: string;
}

export interface Job {
  language: Language;
  /** Evaluated first; a falsy result stops the job (the transformation is not run). */
  filter: string | null;
  transformation: { code: string; variables: Record<string, string> | null } | null;
  /** The input with its payload as JSON text: the server already holds it that way. */
  input: Omit<ExpressionInput, "payload"> & { payloadJson: string };
  /** Only check that the expressions compile (and their regexes run on RE2); evaluate nothing. */
  compileOnly?: boolean;
}

export type Stage = "filter" | "transformation";

/**
 * Why an evaluation failed:
 * - `failed`: the expression raised an error (including a limit it ran into);
 * - `timeout`: it ran past the time limit or nesting depth;
 * - `crashed`: it took its sandbox process down (memory limit, or a fatal engine error);
 * - `busy`: no sandbox process was free in time, so it was not evaluated;
 * - `invalid`: (compile-only jobs) it does not compile.
 */
export type FailureKind = "failed" | "timeout" | "crashed" | "busy" | "invalid";

export interface Failure {
  stage: Stage;
  kind: FailureKind;
  message: string;
  /** The evaluation took its process down or used its whole CPU budget: it is not run again for a while. */
  stoppedProcess?: boolean;
}

/**
 * `passed`: false when the filter excluded the message or a JavaScript transformation set
 * `cancel` (then `canceled` is true). `method` and `url` are set only when a JavaScript
 * transformation changed them.
 */
export type JobResult =
  | { ok: true; passed: boolean; body: string | null; method?: DeliveryMethod; url?: string; canceled?: boolean }
  | { ok: false; failure: Failure };

/** Server to sandbox process. */
export interface JobMessage {
  id: number;
  job: Job;
}

/**
 * Sandbox process to server: `ready` once loaded, then per job a `stage` when it moves on from the
 * filter to the transformation, a `rebase` after loading an engine, and one `done`.
 */
export type SandboxMessage =
  | { type: "ready"; cpuMs: number }
  | { type: "stage"; id: number; stage: Stage }
  /**
   * The process did work for job `id` that is not the job's own (loading the JavaScript engine on
   * first use) and finished it at `cpuMs`: the job's CPU time counts from there.
   */
  | { type: "rebase"; id: number; cpuMs: number }
  /** `cpuMs`: the process's CPU time when it answered, the base for measuring its next job. */
  | { type: "done"; id: number; result: JobResult; cpuMs: number };
