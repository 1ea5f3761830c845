import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { BIN, childEnv, REPO_ROOT } from "./server-process.ts";
import { waitUntil } from "./wait.ts";

/** A cold start through tsx takes seconds on a busy 2-core machine; these only bound a hang. */
export const LISTEN_WAIT_MS = 90_000;

/** A running `hookline listen` (the real binary), with its output collected as it comes. */
export class ListenProcess {
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8").on("data", (c: string) => (this.stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (this.stderr += c));
    this.exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  }

  static start(args: string[], env: Record<string, string>): ListenProcess {
    const child = spawn(process.execPath, [BIN, "listen", ...args], {
      cwd: REPO_ROOT,
      env: childEnv(env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new ListenProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  describe(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  /** Waits for the session line; returns the session and endpoint ids it names. */
  async session(): Promise<{ sessionId: string; endpointId: string; resumed: boolean }> {
    const pattern = /(started|resumed) session (ls_[A-Za-z0-9_-]+) \(endpoint (ep_[A-Za-z0-9]+)/;
    await this.waitFor(() => pattern.test(this.stderr), "the session to start");
    const [, how, sessionId, endpointId] = pattern.exec(this.stderr)!;
    return { sessionId: sessionId!, endpointId: endpointId!, resumed: how === "resumed" };
  }

  async waitFor(check: () => boolean, what: string): Promise<void> {
    let done = false;
    void this.exited.then(() => (done = true));
    await waitUntil(
      () => {
        if (check()) return true;
        if (done) throw new Error(`hookline listen exited before ${what}\n${this.describe()}`);
        return false;
      },
      LISTEN_WAIT_MS,
      `${what}\n${this.describe()}`,
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends it for good (after a test), if it still runs. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

/**
 * A TCP hop between the CLI and the server that a test can cut (every connection dropped, new
 * ones refused, as a laptop losing its network) and restore on the same port.
 */
export class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;
  port = 0;

  private constructor(private readonly upstream: URL) {}

  static async start(upstream: string): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(new URL(upstream));
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.upstream.port), this.upstream.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.server = server;
    return new Promise((resolve) =>
      server.listen(this.port, "127.0.0.1", () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  /** Drops every connection and refuses new ones until restore(). */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  restore(): Promise<void> {
    return this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
