import { fork, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { siblingModule } from "../module-location.ts";
import { processCpuMs } from "./cpu-time.ts";
import type { Failure, Job, JobMessage, JobResult, SandboxMessage, Stage } from "./protocol.ts";

/**
 * One sandbox process. A process, not a worker thread: V8's fatal errors (a heap limit reached
 * inside one large allocation, an "invalid size" array) abort the whole process, and threads share
 * theirs with the server. Measured on Node 20: `$string([1..10000000])` in a worker thread with
 * `resourceLimits` of 64 MB killed the parent process with SIGABRT.
 *
 * A few jobs may be in flight to one process (sent ahead, so it never waits for the server's
 * event loop between two jobs); it runs them one at a time, in order. Only the oldest is running:
 * its limits are watched, and when it is stopped or takes the process down, the jobs behind it,
 * which never started, are handed back to be run elsewhere.
 */

const ENTRY = siblingModule(import.meta.url, "./sandbox-process");
/** Run from the sources, the process loads tsx as this one did (bin/hookline.js); from dist/, plain Node. */
const LOADER = ENTRY.needsTsx ? ["--import", import.meta.resolve("tsx")] : [];
/** Bytes of the process's stderr kept to explain a crash (V8 prints why it aborted). */
const STDERR_KEPT = 4096;
/** Shortest wait between two looks at a running job's CPU time. */
const MIN_RECHECK_MS = 20;

export interface WorkerOptions {
  memoryMb: number;
  niceness: number;
}

export interface JobLimits {
  /** CPU time the job may use before its process is stopped. */
  cpuMs: number;
  /** Wall-clock time after which it is stopped whatever it used (a starved process included). */
  wallMs: number;
}

interface InFlight {
  id: number;
  stage: Stage;
  limits: JobLimits;
  resolve: (result: JobResult | Promise<JobResult>) => void;
  /** Runs the job again elsewhere, for a job that never started here. */
  handBack: () => Promise<JobResult>;
  /** Set once it is the running job (the oldest in flight). */
  startedAt: number | null;
}

export class SandboxWorker {
  readonly ready: Promise<boolean>;
  private readonly child: ChildProcess;
  private readonly inFlight: InFlight[] = [];
  private deadline: NodeJS.Timeout | null = null;
  private stderrTail = "";
  private alive = true;
  private started = false;
  private nextId = 1;
  /** The process's CPU time when it last answered: the running job's CPU use is counted from here. */
  private cpuBase = 0;

  /** `onExit` is called once, whenever the process ends (crash, kill or close). */
  constructor(
    options: WorkerOptions,
    private readonly onExit: (worker: SandboxWorker) => void,
  ) {
    this.child = fork(fileURLToPath(ENTRY.url), [], {
      execArgv: [
        ...LOADER,
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
      const head = this.inFlight[0];
      if (message.type === "ready") {
        this.cpuBase = message.cpuMs;
        this.started = true;
        this.hold(false);
        markReady(true);
      } else if (message.type === "stage" && head?.id === message.id) {
        head.stage = message.stage;
      } else if (message.type === "rebase" && head?.id === message.id) {
        this.cpuBase = message.cpuMs;
      } else if (message.type === "done" && head?.id === message.id) {
        this.cpuBase = message.cpuMs;
        this.settleHead(message.result);
      }
    });
    this.child.on("error", () => this.kill());
    this.child.once("exit", (code, signal) => {
      this.alive = false;
      markReady(false);
      const head = this.inFlight[0];
      if (head) this.settleHead({ ok: false, failure: this.crashFailure(head, code, signal) });
      this.onExit(this);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Started, alive, and able to take jobs. */
  get isReady(): boolean {
    return this.started && this.alive;
  }

  /** Jobs sent and not yet answered. */
  get load(): number {
    return this.inFlight.length;
  }

  /**
   * Sends one job; it runs after the jobs already in flight. The process is stopped (SIGKILL) once
   * the job, running, has used `limits.cpuMs` of CPU time without answering, or after
   * `limits.wallMs` in any case. Never rejects: every failure is a JobResult. Should the process
   * end before the job started, `handBack` runs it elsewhere and gives its result.
   */
  run(job: Job, limits: JobLimits, handBack: () => Promise<JobResult>): Promise<JobResult> {
    if (!this.alive) return handBack();
    const id = this.nextId++;
    return new Promise<JobResult>((resolve) => {
      const stage: Stage = job.filter !== null ? "filter" : "transformation";
      this.inFlight.push({ id, stage, limits, resolve, handBack, startedAt: null });
      if (this.inFlight.length === 1) this.startHead();
      const message: JobMessage = { id, job };
      this.child.send(message, (error) => {
        if (error) this.kill();
      });
    });
  }

  /** Ends the process; the running job fails as crashed, the others are handed back. */
  kill(): void {
    if (!this.alive) return;
    this.hold(false);
    this.alive = false;
    this.child.kill("SIGKILL");
  }

  private startHead(): void {
    const head = this.inFlight[0];
    if (!head) {
      this.hold(false);
      return;
    }
    this.hold(true);
    head.startedAt = Date.now();
    this.deadline = setTimeout(() => this.checkRunaway(), head.limits.cpuMs);
  }

  /** The running job is over: settles it; the others go on here, or are handed back if the process ended. */
  private settleHead(result: JobResult): void {
    const head = this.inFlight.shift();
    if (!head) return;
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    head.resolve(result);
    if (this.alive) return this.startHead();
    for (const waiting of this.inFlight.splice(0)) waiting.resolve(waiting.handBack());
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
   * The running job has run for its CPU budget in wall time: stop it if it used that much CPU (or
   * the CPU time cannot be read, or the wall-clock cap passed); otherwise look again when it could have.
   */
  private checkRunaway(): void {
    const head = this.inFlight[0];
    if (!head || head.startedAt === null || this.child.pid === undefined) return;
    const wall = Date.now() - head.startedAt;
    const cpuNow = processCpuMs(this.child.pid);
    const cpu = cpuNow === null ? wall : cpuNow - this.cpuBase;
    const { cpuMs, wallMs } = head.limits;
    if (cpu < cpuMs && wall < wallMs) {
      const wait = Math.max(MIN_RECHECK_MS, Math.min(cpuMs - cpu, wallMs - wall));
      this.deadline = setTimeout(() => this.checkRunaway(), wait);
      return;
    }
    const message =
      cpu >= cpuMs
        ? `the evaluation used more than ${cpuMs} ms of CPU time and was stopped`
        : `the evaluation did not finish within ${wallMs} ms and was stopped`;
    this.kill();
    // A wall-clock stop may be the machine's fault (load), not the expression's: not quarantined.
    const failure: Failure = { stage: head.stage, kind: "timeout", message, stoppedProcess: cpu >= cpuMs };
    this.settleHead({ ok: false, failure });
  }

  private crashFailure(running: InFlight, code: number | null, signal: NodeJS.Signals | null): Failure {
    const outOfMemory = /heap out of memory|Reached heap limit|allocation failed/i.test(this.stderrTail);
    const invalidSize = /invalid (size|array length|table size)/i.test(this.stderrTail);
    const why = outOfMemory
      ? "it exceeded the memory limit of the expression sandbox"
      : invalidSize
        ? "it built a value larger than the engine allows"
        : `its sandbox process ended (${signal ?? `exit code ${code}`})`;
    return {
      stage: running.stage,
      kind: "crashed",
      message: `the evaluation was stopped: ${why}`,
      stoppedProcess: true,
    };
  }
}
