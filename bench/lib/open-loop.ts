/**
 * The open-loop load generator, seen from the benchmark: runs open-loop-generator.ts as a process
 * of its own and talks to it over IPC.
 */
import { withTimeout } from "../../test/support/wait.ts";
import { GeneratorProcess } from "./generator-process.ts";
import type { LoadConfig, LoadResult } from "./open-loop-generator.ts";

export type { LoadConfig, LoadResult };

export class OpenLoop {
  private constructor(
    private readonly process: GeneratorProcess,
    private readonly config: LoadConfig,
  ) {}

  /** Forks the generator and hands it its configuration; resolves once it is ready to send. */
  static async start(config: LoadConfig): Promise<OpenLoop> {
    const process = GeneratorProcess.fork(new URL("./open-loop-generator.ts", import.meta.url));
    const ready = process.next("ready");
    ready.catch(() => undefined); // reported by the timeout below
    process.send({ type: "config", config });
    await withTimeout(ready, 30_000, "load generator to start");
    return new OpenLoop(process, config);
  }

  /** Starts sending; resolves with the generator's t0 (monotonic µs). */
  async begin(): Promise<number> {
    const started = this.process.next("started");
    this.process.send({ type: "start" });
    return (await withTimeout(started, 10_000, "load generator to begin")).t0Us as number;
  }

  /** Stops sending, waits (bounded) for outstanding requests and returns every message's record. */
  async finish(): Promise<LoadResult> {
    const result = this.process.next("result");
    this.process.send({ type: "stop" });
    const message = await withTimeout(result, this.config.requestTimeoutMs + 30_000, "load generator results");
    await this.process.close();
    return message.result as LoadResult;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  kill(): void {
    this.process.kill();
  }
}
