/** The closed-loop load generator, seen from the benchmark: runs closed-loop-generator.ts as a process of its own. */
import { withTimeout } from "../../test/support/wait.ts";
import type { ClosedLoopConfig, ClosedLoopResult } from "./closed-loop-generator.ts";
import { GeneratorProcess } from "./generator-process.ts";

export type { ClosedLoopConfig, ClosedLoopResult };

export class ClosedLoop {
  private constructor(
    private readonly process: GeneratorProcess,
    private readonly ready: Promise<unknown>,
  ) {}

  /** Forks the generator process (not yet sending); `run` waits for it to be ready. */
  static spawn(): ClosedLoop {
    const process = GeneratorProcess.fork(new URL("./closed-loop-generator.ts", import.meta.url));
    const ready = process.next("ready");
    ready.catch(() => undefined); // reported by `run`, if anyone runs it
    return new ClosedLoop(process, ready);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Runs one load to its end (time or count) and returns what the generator recorded. */
  async run(config: ClosedLoopConfig): Promise<ClosedLoopResult> {
    await withTimeout(this.ready, 30_000, "load generator to start");
    const outcome = Promise.race([
      this.process.next("result").then((message) => message.result as ClosedLoopResult),
      this.process.next("error").then((message) => {
        throw new Error(`load generator failed: ${String(message.error)}`);
      }),
    ]);
    this.process.send({ type: "run", config });
    // Every request has its own timeout, so a run ends within its seconds plus one timeout.
    return withTimeout(outcome, (config.seconds + 30) * 1000 + config.requestTimeoutMs, "closed-loop load");
  }

  /** Lets the generator exit (SIGKILL if it does not within 10 s). */
  async close(): Promise<void> {
    await this.process.close();
  }

  kill(): void {
    this.process.kill();
  }
}
