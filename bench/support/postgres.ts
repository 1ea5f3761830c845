/**
 * A throwaway PostgreSQL cluster for the benchmark. Unlike the test suite's cluster
 * (test/support/postgres-cluster.ts, which turns fsync and full-page writes off to be fast), this
 * one keeps PostgreSQL's durable defaults unless asked otherwise, because commit latency under a
 * purge is exactly what the benchmark measures: WAL volume and fsyncs are part of the cost.
 */
import { spawn, spawnSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { createDatabaseAt, findPostgresBin } from "../../test/support/postgres-cluster.ts";

export { findPostgresBin };

export interface BenchCluster {
  url(dbName: string): string;
  createDatabase(): Promise<string>;
  /** Settings that matter for the result, for the JSON report. */
  settings: Record<string, string>;
  version: string;
  /** The postmaster's process id: its process tree counts as the benchmark's own CPU use. */
  postmasterPid: number | null;
  stop(): void;
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

function run(bin: string, args: string[], asPostgres: boolean, timeoutMs = 120_000): Promise<string> {
  const [cmd, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(bin)} exited with ${code}:\n${output}`));
    });
  });
}

export async function startBenchCluster(options: { fsync: boolean }): Promise<BenchCluster> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error("no PostgreSQL server binaries found under /usr/lib/postgresql/*/bin");
  const asPostgres = userInfo().uid === 0;
  const root = mkdtempSync(path.join(tmpdir(), "hookline-bench-pg-"));
  const dataDir = path.join(root, "data");
  const socketDir = path.join(root, "socket");
  mkdirSync(socketDir);
  if (asPostgres) {
    const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    if (!Number.isInteger(uid) || uid === 0) throw new Error("running as root but there is no `postgres` user");
    chownSync(root, uid, gid);
    chownSync(socketDir, uid, gid);
  }
  const pgCtl = path.join(bin, "pg_ctl");
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", stop);
    const [cmd, argv] = asPostgres
      ? ["runuser", ["-u", "postgres", "--", pgCtl, "-D", dataDir, "-m", "immediate", "stop"]]
      : [pgCtl, ["-D", dataDir, "-m", "immediate", "stop"]];
    spawnSync(cmd, argv, { stdio: "ignore", timeout: 30_000 });
    rmSync(root, { recursive: true, force: true });
  };
  process.once("exit", stop);

  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    fsync: options.fsync ? "on" : "off",
    full_page_writes: options.fsync ? "on" : "off",
    max_connections: "100",
  };
  try {
    // --no-sync only skips initdb's own final fsync of the new cluster; the server's settings decide the rest.
    await run(
      path.join(bin, "initdb"),
      ["-D", dataDir, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-sync"],
      asPostgres,
    );
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const opts = [`-p ${port}`, `-k ${socketDir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)];
      try {
        await run(
          pgCtl,
          ["-D", dataDir, "-o", opts.join(" "), "-l", path.join(root, "server.log"), "-w", "-t", "60", "start"],
          asPostgres,
        );
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
    const version = (await run(path.join(bin, "postgres"), ["--version"], false)).trim();
    const url = (dbName: string) => `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(dbName)}`;
    let postmasterPid: number | null = null;
    try {
      postmasterPid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n", 1)[0]) || null;
    } catch {
      postmasterPid = null;
    }
    return { url, createDatabase: () => createDatabaseAt(url("postgres")), settings, version, postmasterPid, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
