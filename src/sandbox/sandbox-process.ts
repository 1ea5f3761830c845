import { ownCpuMs } from "./cpu-time.ts";
import { evaluateJavascriptJob, loadJavascriptEngine } from "./javascript-evaluator.ts";
import { evaluateJsonataJob } from "./jsonata-evaluator.ts";
import type { Job, JobMessage, JobResult, Language, SandboxMessage, Stage } from "./protocol.ts";

/**
 * The entry point of a sandbox process (started by SandboxWorker through tsx). It evaluates one
 * job at a time and answers each; the server stops it hard when a job runs too long, and V8 aborts
 * it when a job exceeds its heap. It exits when the server goes away (its IPC channel closes).
 */

type Evaluator = (job: Job, entering: (stage: Stage) => void) => Promise<JobResult>;

const EVALUATORS: Record<Language, Evaluator> = {
  jsonata: evaluateJsonataJob,
  javascript: evaluateJavascriptJob,
};

const send = (message: SandboxMessage): void => void process.send!(message);

/** Jobs run one at a time, in the order they came: the server counts CPU time per job. */
let queue = Promise.resolve();

process.on("message", (message: JobMessage) => {
  queue = queue.then(() => runJob(message));
});

function runJob(message: JobMessage): Promise<void> {
  const evaluator = EVALUATORS[message.job.language];
  const failed = (text: string): JobResult => ({
    ok: false,
    failure: { stage: "transformation", kind: "failed", message: text },
  });
  // Tells the server which stage runs, so a job stopped mid-way is blamed on the right one.
  const entering = (stage: Stage) => send({ type: "stage", id: message.id, stage });
  const run = evaluator ? evaluator(message.job, entering) : Promise.resolve(failed("unknown expression language"));
  return run.then(
    (result) => send({ type: "done", id: message.id, result, cpuMs: ownCpuMs() }),
    (error: unknown) => send({ type: "done", id: message.id, result: failed(String(error)), cpuMs: ownCpuMs() }),
  );
}
process.on("disconnect", () => process.exit(0));
// QuickJS is compiled before the process says it is ready, so that work never counts against a
// job's CPU budget (a first JavaScript job would otherwise pay for it). A failure shows in jobs.
void loadJavascriptEngine()
  .catch(() => {})
  .then(() => send({ type: "ready", cpuMs: ownCpuMs() }));
