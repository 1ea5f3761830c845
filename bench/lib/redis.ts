/**
 * A throwaway `redis-server` for the BullMQ baseline: a free loopback port, a temp working
 * directory, no persistence (the most favourable setting for the baseline: nothing is written to
 * disk), stopped again at the end. Nothing is installed: a missing binary is reported.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { withTimeout } from "../../test/support/wait.ts";

export function findRedisServer(): string | null {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const bin = found.status === 0 ? found.stdout.trim() : "";
  return bin || null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends PING over RESP; resolves true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
    socket.once("connect", () => socket.write("PING\r\n"));
  });
}

export interface RedisInstance {
  url: string;
  version: string;
  pid: number;
  /** The settings it was started with, for the JSON report. */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

export async function startRedis(bin: string): Promise<RedisInstance> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hookline-bench-redis-"));
  const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
  const settings = { save: '""', appendonly: "no", bind: "127.0.0.1", "protected-mode": "yes" };
  let child: ChildProcess | null = null;
  let output = "";
  const killNow = () => child?.kill("SIGKILL");
  process.once("exit", killNow);
  for (let attempt = 1; attempt <= 3 && child === null; attempt++) {
    const port = await freePort();
    const c = spawn(
      bin,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    c.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    c.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    const deadline = Date.now() + 10_000;
    let up = false;
    while (!up && Date.now() < deadline && c.exitCode === null) {
      up = await ping(port);
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    if (!up) {
      c.kill("SIGKILL");
      await exited;
      continue;
    }
    child = c;
    return {
      url: `redis://127.0.0.1:${port}`,
      version,
      pid: c.pid!,
      settings,
      async stop() {
        process.removeListener("exit", killNow);
        c.kill("SIGTERM");
        await withTimeout(exited, 10_000, "redis-server to stop").catch(() => c.kill("SIGKILL"));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`redis-server did not start:\n${output.slice(-2000)}`);
}
