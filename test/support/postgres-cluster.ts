/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp dir, a server on a free loopback
 * port with trust auth, removed again by `stop()` (or, as a last resort, when the process exits).
 * PostgreSQL refuses to run as root, so under root the server binaries run as the `postgres` user.
 */
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import pg from "pg";

export interface PostgresCluster {
  /** A connection URL for a database of this cluster (`postgres` always exists). */
  url(dbName: string): string;
  /**
   * Creates a fresh, empty database and returns its URL. `icuLocale` (e.g. "en-US") makes the
   * database's default collation a linguistic one, to prove queries do not rely on it.
   */
  createDatabase(options?: { icuLocale?: string }): Promise<string>;
  /** The server settings given on start-up (for reports: the benchmark records them). */
  settings: Record<string, string>;
  /** `postgres --version` of the binaries in use. */
  version: string;
  /** The postmaster's process id (the benchmark counts its process tree's CPU); null if unknown. */
  postmasterPid: number | null;
  /** The server's port on 127.0.0.1, its data directory and the directory holding both (replication tests). */
  port: number;
  dataDir: string;
  root: string;
  /**
   * Stops the server as a crash or a failover would (`-m immediate`: every session cut off, WAL
   * replayed at the next start), keeping its data; `startServer` brings it back on the same port.
   */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /**
   * Keep PostgreSQL's durable defaults (fsync, full-page writes). Off by default: a throwaway
   * test cluster needs no durability, and without it start-up and tests take half the time. The
   * benchmark turns it on, since commit cost is part of what it measures.
   */
  durable?: boolean;
  /** max_connections (default 200: parallel test files each open a pool). */
  maxConnections?: number;
  /** More server settings (`-c name=value`), e.g. for replication. */
  settings?: Record<string, string>;
}

/** The newest `/usr/lib/postgresql/<version>/bin` holding initdb, or HOOKLINE_POSTGRES_BIN; null if none. */
export function findPostgresBin(): string | null {
  const fromEnv = process.env.HOOKLINE_POSTGRES_BIN;
  if (fromEnv) return existsSync(path.join(fromEnv, "initdb")) ? fromEnv : null;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.length > 0 ? path.join(root, versions[0]!, "bin") : null;
}

export function freePort(): Promise<number> {
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

/** Runs a server binary, as `postgres` when we are root; resolves with its output, rejects on failure. */
export function run(bin: string, args: string[], asPostgres: boolean): Promise<string> {
  const [cmd, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${path.basename(bin)} exited with ${code}:\n${output}`)),
    );
  });
}

let databaseCounter = 0;

/**
 * Creates a fresh, empty database on the server `adminUrl` points at and returns its URL. Used by
 * the cluster itself and by test processes that only know the URL (the runner's PostgreSQL leg).
 */
export async function createDatabaseAt(adminUrl: string, options: { icuLocale?: string } = {}): Promise<string> {
  const name = `hookline_test_${process.pid}_${++databaseCounter}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const icu = options.icuLocale
      ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE ${pg.escapeLiteral(options.icuLocale)}`
      : "";
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${icu}`);
  } finally {
    await client.end();
  }
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  return target.toString();
}

export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error("no PostgreSQL server binaries found under /usr/lib/postgresql/*/bin");
  const asPostgres = userInfo().uid === 0;
  const root = mkdtempSync(path.join(tmpdir(), "hookline-pg-"));
  const dataDir = path.join(root, "data");
  const socketDir = path.join(root, "socket");
  mkdirSync(socketDir);
  if (asPostgres) {
    const pgUser = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const pgGroup = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    const uid = Number(pgUser.stdout.trim());
    const gid = Number(pgGroup.stdout.trim());
    if (pgUser.status !== 0 || !Number.isInteger(uid))
      throw new Error("running as root but there is no `postgres` user");
    chownSync(root, uid, gid);
    chownSync(socketDir, uid, gid);
  }

  const pgCtl = path.join(bin, "pg_ctl");
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    const [cmd, argv] = asPostgres
      ? ["runuser", ["-u", "postgres", "--", pgCtl, "-D", dataDir, "-m", "immediate", "stop"]]
      : [pgCtl, ["-D", dataDir, "-m", "immediate", "stop"]];
    spawnSync(cmd, argv, { stdio: "ignore" });
    rmSync(root, { recursive: true, force: true });
  };
  // A test run that dies without calling stop() must not leave a postmaster behind.
  process.once("exit", stopSync);

  const durable = options.durable ?? false;
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    fsync: durable ? "on" : "off",
    full_page_writes: durable ? "on" : "off",
    max_connections: String(options.maxConnections ?? 200),
    ...options.settings,
  };
  try {
    // --no-sync only skips initdb's own final fsync of the new cluster; the settings decide the rest.
    await run(
      path.join(bin, "initdb"),
      ["-D", dataDir, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-sync"],
      asPostgres,
    );
    let port = 0;
    const startOn = (onPort: number) => {
      const serverOptions = [
        `-p ${onPort}`,
        `-k ${socketDir}`,
        ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
      ].join(" ");
      return run(
        pgCtl,
        ["-D", dataDir, "-o", serverOptions, "-l", path.join(root, "server.log"), "-w", "-t", "60", "start"],
        asPostgres,
      );
    };
    // Another process may grab the "free" port between our probe and the server's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await startOn(port);
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }

    const url = (dbName: string) => `postgresql://postgres@127.0.0.1:${port}/${encodeURIComponent(dbName)}`;
    const version = (await run(path.join(bin, "postgres"), ["--version"], false)).trim();
    let postmasterPid: number | null = null;
    try {
      postmasterPid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n", 1)[0]) || null;
    } catch {
      postmasterPid = null;
    }
    return {
      url,
      createDatabase: (dbOptions = {}) => createDatabaseAt(url("postgres"), dbOptions),
      settings,
      version,
      postmasterPid,
      port,
      dataDir,
      root,
      async stopServer() {
        await run(pgCtl, ["-D", dataDir, "-m", "immediate", "-w", "stop"], asPostgres);
      },
      async startServer() {
        await startOn(port);
      },
      async stop() {
        process.removeListener("exit", stopSync);
        stopSync();
      },
    };
  } catch (error) {
    process.removeListener("exit", stopSync);
    stopSync();
    throw error;
  }
}
