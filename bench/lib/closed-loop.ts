/** The bench side of the closed-loop load generator: forks bench/lib/closed-loop-generator.ts and runs loads through it. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withTimeout } from "../../test/support/server-process.ts";
import type { ClosedLoopConfig, ClosedLoopResult } from "./closed-loop-generator.ts";

export type { ClosedLoopConfig, ClosedLoopResult };

const SCRIPT = fileURLToPath(new URL("./closed-loop-generator.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export class ClosedLoop {
  private constructor(
    private readonly child: ChildProcess,
    private readonly ready: Promise<void>,
    private readonly exited: Promise<void>,
  ) {}

  /** Forks the generator process (not yet sending); `run` waits for it to be ready. */
  static spawn(): ClosedLoop {
    const child = fork(SCRIPT, [], {
      cwd: REPO_ROOT,
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    live.add(child);
    const exited = new Promise<void>((resolve) =>
      child.once("exit", () => {
        live.delete(child);
        resolve();
      }),
    );
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: any) => {
        if (message?.type !== "ready") return;
        child.off("message", onMessage);
        resolve();
      };
      child.on("message", onMessage);
      child.once("error", reject);
      void exited.then(() => reject(new Error("load generator exited before it was ready")));
    });
    ready.catch(() => undefined); // reported by `run`, if anyone runs it
    return new ClosedLoop(child, ready, exited);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs one load to its end (time or count) and returns what the generator recorded. */
  async run(config: ClosedLoopConfig): Promise<ClosedLoopResult> {
    await withTimeout(this.ready, 30_000, "load generator to start");
    let onMessage: (message: any) => void = () => {};
    const result = new Promise<ClosedLoopResult>((resolve, reject) => {
      onMessage = (message: any) => {
        if (message?.type === "result") resolve(message.result as ClosedLoopResult);
        else if (message?.type === "error") reject(new Error(`load generator failed: ${message.error}`));
      };
      this.child.on("message", onMessage);
      void this.exited.then(() => reject(new Error("load generator exited before it reported")));
    });
    this.child.send({ type: "run", config });
    try {
      // Every request has its own timeout, so a run ends within its seconds plus one timeout.
      return await withTimeout(result, (config.seconds + 30) * 1000 + config.requestTimeoutMs, "closed-loop load");
    } finally {
      this.child.off("message", onMessage);
    }
  }

  /** Lets the generator exit (SIGKILL if it does not within 10 s). */
  async close(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    await withTimeout(this.exited, 10_000, "load generator to exit").catch(() => this.kill());
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
