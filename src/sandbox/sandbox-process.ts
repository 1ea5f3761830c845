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

let engineLoaded = false;

/**
 * QuickJS is compiled on the first JavaScript job, so processes that only ever run JSONata never
 * pay for it; that work is then taken out of the job's CPU budget (a `rebase`), so it cannot push
 * an ordinary first script past its limit. A failure to load shows in the job's result.
 */
async function loadEngineFor(message: JobMessage): Promise<void> {
  if (engineLoaded || message.job.language !== "javascript") return;
  await loadJavascriptEngine().catch(() => {});
  engineLoaded = true;
  send({ type: "rebase", id: message.id, cpuMs: ownCpuMs() });
}

async function runJob(message: JobMessage): Promise<void> {
  await loadEngineFor(message);
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
send({ type: "ready", cpuMs: ownCpuMs() });
