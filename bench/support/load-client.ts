/** The bench side of the load generator: forks bench/support/load-generator.ts and talks to it over IPC. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadConfig, LoadResult } from "./load-generator.ts";

const SCRIPT = fileURLToPath(new URL("./load-generator.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class LoadGenerator {
  private readonly waiters = new Map<string, (message: any) => void>();
  /** Messages that arrived before anyone waited for them (e.g. results after maxSeconds). */
  private readonly inbox = new Map<string, any>();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly config: LoadConfig,
  ) {
    child.on("message", (message: any) => {
      const waiter = this.waiters.get(message?.type);
      if (waiter) {
        this.waiters.delete(message.type);
        waiter(message);
      } else if (typeof message?.type === "string") this.inbox.set(message.type, message);
    });
    this.exited = new Promise((resolve) =>
      child.once("exit", () => {
        live.delete(child);
        resolve();
      }),
    );
  }

  private next(type: string): Promise<any> {
    if (this.inbox.has(type)) {
      const message = this.inbox.get(type);
      this.inbox.delete(type);
      return Promise.resolve(message);
    }
    return new Promise((resolve) => this.waiters.set(type, resolve));
  }

  static async start(config: LoadConfig): Promise<LoadGenerator> {
    const child = fork(SCRIPT, [], {
      cwd: REPO_ROOT,
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    live.add(child);
    const gen = new LoadGenerator(child, config);
    const ready = gen.next("ready");
    child.send({ type: "config", config });
    await timeout(ready, 30_000, "load generator to start");
    return gen;
  }

  /** Starts sending; resolves with the generator's t0 (monotonic µs). */
  async begin(): Promise<number> {
    const started = this.next("started");
    this.child.send({ type: "start" });
    return ((await timeout(started, 10_000, "load generator to begin")) as { t0Us: number }).t0Us;
  }

  /** Stops sending, waits (bounded) for outstanding requests and returns every message's record. */
  async finish(): Promise<LoadResult> {
    const result = this.next("result");
    this.child.send({ type: "stop" });
    const message = await timeout(result, this.config.requestTimeoutMs + 30_000, "load generator results");
    this.child.disconnect();
    await timeout(this.exited, 10_000, "load generator to exit").catch(() => this.kill());
    return (message as { result: LoadResult }).result;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
