/**
 * A throwaway primary and a streaming-replication hot standby on loopback, for failover tests:
 * the primary is a `startPostgresCluster`, the standby a `pg_basebackup -R` of it on another port.
 * `killPrimary()` SIGKILLs the primary's postmaster and every backend (a machine dying, not a
 * shutdown: nothing is flushed or handed over), `promoteStandby()` runs `pg_ctl promote`.
 *
 * Synchronous (the default): the primary lists the standby in synchronous_standby_names, so a
 * commit returns only once the standby has flushed its WAL, and an acknowledged write survives
 * the primary. The setting is the primary's alone (ALTER SYSTEM after the base backup was taken):
 * a promoted standby that inherited it would wait for a standby of its own at every commit.
 */
import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import pg from "pg";
import { createDatabaseAt, findPostgresBin, freePort, run, startPostgresCluster } from "./postgres-cluster.ts";
import type { PostgresCluster } from "./postgres-cluster.ts";
import { waitUntil } from "./wait.ts";

export interface ReplicatedPair {
  primary: PostgresCluster;
  standbyPort: number;
  /** `postgresql://…@primary,standby/db?target_session_attrs=read-write`: what Hookline is given. */
  multiHostUrl(dbName: string): string;
  /** A URL of the primary alone or the standby alone. */
  primaryUrl(dbName: string): string;
  standbyUrl(dbName: string): string;
  /** Creates a database on the primary, waits until the standby has it too, and returns its name. */
  createDatabase(): Promise<string>;
  /** SIGKILLs the primary's postmaster and all its processes. */
  killPrimary(): void;
  /** `pg_ctl promote -w`: returns once the standby accepts writes. */
  promoteStandby(): Promise<void>;
  /**
   * Stops (SIGSTOP) or resumes the primary's WAL sender: replication lag, made at will. Under
   * asynchronous replication commits go on and their WAL piles up unsent; under synchronous
   * replication commits wait.
   */
  pauseSender(paused: boolean): void;
  stop(): Promise<void>;
}

/** Pids whose parent is `parent` (from /proc). */
function childrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) is in parentheses and may hold spaces: the ppid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      /* the process ended meanwhile */
    }
  }
  return pids;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

const postmasterPidOf = (dataDir: string): number =>
  Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n", 1)[0]);

async function queryOne<T>(url: string, sql: string): Promise<T | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] as T | undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startReplicatedPair(options: { synchronous?: boolean } = {}): Promise<ReplicatedPair> {
  const synchronous = options.synchronous ?? true;
  const bin = findPostgresBin();
  if (bin === null) throw new Error("no PostgreSQL server binaries found under /usr/lib/postgresql/*/bin");
  const primary = await startPostgresCluster({ maxConnections: 100 });
  const asPostgres = userInfo().uid === 0;
  const root = mkdtempSync(path.join(tmpdir(), "hookline-pg-standby-"));
  const dataDir = path.join(root, "data");
  const socketDir = path.join(root, "socket");
  mkdirSync(socketDir);
  if (asPostgres) {
    const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    chownSync(root, uid, gid);
    chownSync(socketDir, uid, gid);
  }
  const pgCtl = path.join(bin, "pg_ctl");
  let removed = false;
  const removeStandby = () => {
    if (removed) return;
    removed = true;
    const argv = [pgCtl, "-D", dataDir, "-m", "immediate", "stop"];
    spawnSync(asPostgres ? "runuser" : argv[0]!, asPostgres ? ["-u", "postgres", "--", ...argv] : argv.slice(1), {
      stdio: "ignore",
    });
    rmSync(root, { recursive: true, force: true });
  };
  process.once("exit", removeStandby);
  const stop = async () => {
    process.removeListener("exit", removeStandby);
    removeStandby();
    await primary.stop();
  };

  try {
    // The initdb'd pg_hba.conf trusts replication connections from 127.0.0.1.
    await run(
      path.join(bin, "pg_basebackup"),
      ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", dataDir, "-R", "-X", "stream"],
      asPostgres,
    );
    const standbyPort = await freePort();
    const settings = { ...primary.settings };
    const serverOptions = [
      `-p ${standbyPort}`,
      `-k ${socketDir}`,
      ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
    ].join(" ");
    await run(
      pgCtl,
      ["-D", dataDir, "-o", serverOptions, "-l", path.join(root, "server.log"), "-w", "-t", "60", "start"],
      asPostgres,
    );
    const adminUrl = primary.url("postgres");
    // A query that fails (a server still starting) counts as "not yet".
    await waitUntil(
      async () => {
        const row = await queryOne<{ n: string }>(
          adminUrl,
          "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'",
        ).catch(() => undefined);
        return Number(row?.n) === 1;
      },
      30_000,
      "the standby to stream",
      100,
    );
    if (synchronous) {
      await queryOne(adminUrl, "ALTER SYSTEM SET synchronous_standby_names = '*'");
      await queryOne(adminUrl, "SELECT pg_reload_conf()");
      await waitUntil(
        async () => {
          const row = await queryOne<{ n: string }>(
            adminUrl,
            "SELECT count(*) AS n FROM pg_stat_replication WHERE sync_state = 'sync'",
          ).catch(() => undefined);
          return Number(row?.n) === 1;
        },
        30_000,
        "the standby to be synchronous",
        100,
      );
    }

    const hostUrl = (port: number, dbName: string, query = "") =>
      `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(dbName)}${query}`;
    return {
      primary,
      standbyPort,
      multiHostUrl: (dbName) =>
        `postgresql://postgres@127.0.0.1:${primary.port},127.0.0.1:${standbyPort}/${encodeURIComponent(dbName)}` +
        "?target_session_attrs=read-write",
      primaryUrl: (dbName) => hostUrl(primary.port, dbName),
      standbyUrl: (dbName) => hostUrl(standbyPort, dbName),
      async createDatabase() {
        const url = await createDatabaseAt(adminUrl);
        const name = decodeURIComponent(new URL(url).pathname.slice(1));
        // Synchronous commit waits for the standby to flush the WAL, not to replay it.
        await waitUntil(
          async () =>
            Boolean(
              await queryOne(
                hostUrl(standbyPort, "postgres"),
                `SELECT 1 AS ok FROM pg_database WHERE datname = ${pg.escapeLiteral(name)}`,
              ).catch(() => undefined),
            ),
          30_000,
          "the standby to replay the new database",
          100,
        );
        return name;
      },
      killPrimary() {
        const postmaster = postmasterPidOf(primary.dataDir);
        // Listed first: once the postmaster is gone, its backends are re-parented and lose its pid.
        const backends = childrenOf(postmaster);
        process.kill(postmaster, "SIGKILL");
        for (const pid of backends) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            /* already gone */
          }
        }
      },
      async promoteStandby() {
        await run(pgCtl, ["-D", dataDir, "-w", "-t", "60", "promote"], asPostgres);
      },
      pauseSender(paused) {
        const sender = childrenOf(postmasterPidOf(primary.dataDir)).find((pid) => /walsender/.test(commandOf(pid)));
        if (sender === undefined) throw new Error("the primary has no WAL sender process");
        process.kill(sender, paused ? "SIGSTOP" : "SIGCONT");
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
