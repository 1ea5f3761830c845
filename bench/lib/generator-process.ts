/**
 * A load generator running as a process of its own (forked with tsx and the "advanced" IPC
 * serialization, so typed arrays cross intact), so its sending and timing do not share an event
 * loop with the code that measures. The open-loop (open-loop.ts) and closed-loop (closed-loop.ts)
 * generators talk to their processes through this: typed messages, none lost if it arrives before
 * anyone waits for it, and no process left behind when the benchmark exits.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withTimeout } from "../../test/support/wait.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export interface GeneratorMessage {
  type: string;
  [field: string]: unknown;
}

export class GeneratorProcess {
  readonly exited: Promise<void>;
  private readonly waiters = new Map<string, (message: GeneratorMessage) => void>();
  /** Messages that arrived before anyone waited for them (e.g. results after a time limit). */
  private readonly inbox = new Map<string, GeneratorMessage>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (raw) => {
      const message = raw as GeneratorMessage;
      if (typeof message?.type !== "string") return;
      const waiter = this.waiters.get(message.type);
      if (waiter) {
        this.waiters.delete(message.type);
        waiter(message);
      } else this.inbox.set(message.type, message);
    });
    this.exited = new Promise((resolve) =>
      child.once("exit", () => {
        live.delete(child);
        resolve();
      }),
    );
  }

  /** Forks `script` (a path relative to this folder's URL, e.g. "./open-loop-generator.ts"). */
  static fork(script: URL): GeneratorProcess {
    const child = fork(fileURLToPath(script), [], {
      cwd: REPO_ROOT,
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    live.add(child);
    return new GeneratorProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: GeneratorMessage): void {
    this.child.send(message);
  }

  /** The next message of `type`; rejects if the process exits first. */
  next(type: string): Promise<GeneratorMessage> {
    const waiting = this.inbox.get(type);
    if (waiting) {
      this.inbox.delete(type);
      return Promise.resolve(waiting);
    }
    return new Promise((resolve, reject) => {
      this.waiters.set(type, resolve);
      void this.exited.then(() => reject(new Error(`load generator exited before it sent "${type}"`)));
    });
  }

  /** Lets the process exit (it exits when the parent disconnects); SIGKILL if it has not within 10 s. */
  async close(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    await withTimeout(this.exited, 10_000, "load generator to exit").catch(() => this.kill());
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
