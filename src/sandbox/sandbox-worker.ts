import { fork, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { processCpuMs } from "./cpu-time.ts";
import type { Failure, Job, JobMessage, JobResult, SandboxMessage, Stage } from "./protocol.ts";

/**
 * One sandbox process. A process, not a worker thread: V8's fatal errors (a heap limit reached
 * inside one large allocation, an "invalid size" array) abort the whole process, and threads share
 * theirs with the server. Measured on Node 20: `$string([1..10000000])` in a worker thread with
 * `resourceLimits` of 64 MB killed the parent process with SIGABRT.
 */

const ENTRY = fileURLToPath(new URL("./sandbox-process.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
/** Bytes of the process's stderr kept to explain a crash (V8 prints why it aborted). */
const STDERR_KEPT = 4096;

export interface WorkerOptions {
  memoryMb: number;
  niceness: number;
}

interface Running {
  id: number;
  stage: Stage;
  deadline: NodeJS.Timeout;
  resolve: (result: JobResult) => void;
  limits: JobLimits;
  startedAt: number;
}

export interface JobLimits {
  /** CPU time the job may use before its process is stopped. */
  cpuMs: number;
  /** Wall-clock time after which it is stopped whatever it used (a starved process included). */
  wallMs: number;
}

/** Shortest wait between two looks at a running job's CPU time. */
const MIN_RECHECK_MS = 20;

export class SandboxWorker {
  readonly ready: Promise<boolean>;
  private readonly child: ChildProcess;
  private running: Running | null = null;
  private stderrTail = "";
  private alive = true;
  private nextId = 1;
  /** The process's CPU time when it last answered: a running job's CPU use is counted from here. */
  private cpuBase = 0;

  /** `onExit` is called once, whenever the process ends (crash, kill or close). */
  constructor(
    options: WorkerOptions,
    private readonly onExit: (worker: SandboxWorker) => void,
  ) {
    this.child = fork(ENTRY, [], {
      execArgv: [
        "--import",
        TSX,
        `--max-old-space-size=${options.memoryMb}`,
        "--max-semi-space-size=16",
        // Expressions never need eval or new Function; nothing inside should reach for them.
        "--disallow-code-generation-from-strings",
      ],
      // The server's secrets (master key, database URL, admin token) stay out of the sandbox.
      env: { PATH: process.env.PATH ?? "", ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}) },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEPT);
    });
    // An idle sandbox process never keeps the server alive; one starting or running a job does.
    (this.child.stderr as unknown as { unref?: () => void }).unref?.();
    try {
      if (this.child.pid !== undefined) setPriority(this.child.pid, options.niceness);
    } catch {
      /* lowering priority is best effort (some containers forbid it) */
    }
    let markReady: (ok: boolean) => void = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    this.child.on("message", (message: SandboxMessage) => {
      if (message.type === "ready") {
        this.cpuBase = message.cpuMs;
        this.hold(false);
        markReady(true);
      } else if (message.type === "stage" && this.running?.id === message.id) this.running.stage = message.stage;
      else if (message.type === "done" && this.running?.id === message.id) {
        this.cpuBase = message.cpuMs;
        this.finish(message.result);
      }
    });
    this.child.on("error", () => this.kill());
    this.child.once("exit", (code, signal) => {
      this.alive = false;
      markReady(false);
      if (this.running) this.finish({ ok: false, failure: this.crashFailure(this.running, code, signal) });
      this.onExit(this);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  get isBusy(): boolean {
    return this.running !== null;
  }

  /**
   * Runs one job; the process is stopped (SIGKILL) once the job has used `limits.cpuMs` of CPU time
   * without answering, or after `limits.wallMs` in any case. Never rejects: every failure is a
   * JobResult.
   */
  run(job: Job, limits: JobLimits): Promise<JobResult> {
    if (this.running) throw new Error("a sandbox process runs one job at a time");
    const id = this.nextId++;
    return new Promise<JobResult>((resolve) => {
      const stage: Stage = job.filter !== null ? "filter" : "transformation";
      const deadline = setTimeout(() => this.checkRunaway(), limits.cpuMs);
      this.running = { id, stage, deadline, resolve, limits, startedAt: Date.now() };
      this.hold(true);
      const message: JobMessage = { id, job };
      this.child.send(message, (error) => {
        if (error && this.running?.id === id) this.kill();
      });
    });
  }

  /** Ends the process; a job still running fails as crashed. It takes no new job from now on. */
  kill(): void {
    if (!this.alive) return;
    this.hold(false);
    this.alive = false;
    this.child.kill("SIGKILL");
  }

  private hold(keepAlive: boolean): void {
    if (!this.alive) return;
    if (keepAlive) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }

  /**
   * A job has run for its CPU budget in wall time: stop it if it used that much CPU (or the CPU
   * time cannot be read, or the wall-clock cap passed); otherwise look again when it could have.
   */
  private checkRunaway(): void {
    const running = this.running;
    if (!running || this.child.pid === undefined) return;
    const wall = Date.now() - running.startedAt;
    const cpuNow = processCpuMs(this.child.pid);
    const cpu = cpuNow === null ? wall : cpuNow - this.cpuBase;
    const { cpuMs, wallMs } = running.limits;
    if (cpu < cpuMs && wall < wallMs) {
      running.deadline = setTimeout(
        () => this.checkRunaway(),
        Math.max(MIN_RECHECK_MS, Math.min(cpuMs - cpu, wallMs - wall)),
      );
      return;
    }
    const message =
      cpu >= cpuMs
        ? `the evaluation used more than ${cpuMs} ms of CPU time and was stopped`
        : `the evaluation did not finish within ${wallMs} ms and was stopped`;
    this.finish({ ok: false, failure: { stage: running.stage, kind: "timeout", message } });
    this.kill();
  }

  private finish(result: JobResult): void {
    const running = this.running;
    if (!running) return;
    this.running = null;
    this.hold(false);
    clearTimeout(running.deadline);
    running.resolve(result);
  }

  private crashFailure(running: Running, code: number | null, signal: NodeJS.Signals | null): Failure {
    const outOfMemory = /heap out of memory|Reached heap limit|allocation failed/i.test(this.stderrTail);
    const invalidSize = /invalid (size|array length|table size)/i.test(this.stderrTail);
    const why = outOfMemory
      ? "it exceeded the memory limit of the expression sandbox"
      : invalidSize
        ? "it built a value larger than the engine allows"
        : `its sandbox process ended (${signal ?? `exit code ${code}`})`;
    return { stage: running.stage, kind: "crashed", message: `the evaluation was stopped: ${why}` };
  }
}
