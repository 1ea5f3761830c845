import type { Socket } from "node:net";
import pg from "pg";
import type { DatabaseAddress, DatabaseServer } from "./database-address.ts";

/**
 * Which of the servers in HOOKLINE_DATABASE_URL new connections go to, as libpq's
 * `target_session_attrs` chooses: the first that answers and, for `read-write`, does not default
 * to read-only transactions (a hot standby does), or, for `primary`, is not in recovery. The
 * choice is remembered until a connection to it fails or finds it read-only; the next connection
 * then tries every server again (all at once, so one silent address costs one connect timeout,
 * not one per server). That is how the pool, the LISTEN session and every write follow a standby
 * promoted in place of a dead primary, without a restart.
 *
 * With one server and target_session_attrs unset (the usual single-host URL) there is nothing to
 * choose: connections go straight to it, with no extra round trip.
 */
export class ServerSelector {
  private current: DatabaseServer | null = null;
  private probing: Promise<DatabaseServer> | null = null;
  /** A new connection must be checked before use (libpq does the same for read-write). */
  readonly checksServers: boolean;

  constructor(
    readonly address: DatabaseAddress,
    private readonly connectTimeoutMs: number,
  ) {
    this.checksServers = address.targetSessionAttrs !== "any";
    if (address.servers.length === 1 && !this.checksServers) this.current = address.servers[0]!;
  }

  /** The server new connections go to now; probes the list when none is chosen. */
  pick(): Promise<DatabaseServer> {
    if (this.current) return Promise.resolve(this.current);
    this.probing ??= this.probe().finally(() => (this.probing = null));
    return this.probing;
  }

  /** A connection to `server` failed or found it unsuitable: choose again at the next connection. */
  forget(server: DatabaseServer): void {
    if (this.current !== server || (this.address.servers.length === 1 && !this.checksServers)) return;
    this.current = null;
  }

  /**
   * Why `client`'s server is not one Hookline may write to (read-only or in recovery, as the
   * target asks), or null if it is. One round trip, only when the URL set target_session_attrs.
   */
  async unsuitability(client: pg.ClientBase): Promise<string | null> {
    if (!this.checksServers) return null;
    const { rows } = await client.query<{ recovery: boolean; read_only: string }>(
      "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only",
    );
    const row = rows[0]!;
    if (this.address.targetSessionAttrs === "primary") return row.recovery ? "in recovery (a standby)" : null;
    if (row.read_only === "on")
      return row.recovery ? "read-only (a standby)" : "read-only (default_transaction_read_only)";
    return null;
  }

  /** Checks a freshly connected client; throws (SQLSTATE 25006, a 503) if its server is unsuitable. */
  async check(client: pg.ClientBase, server: DatabaseServer): Promise<void> {
    const why = await this.unsuitability(client);
    if (why !== null)
      throw Object.assign(new Error(`the database server ${server.label} is ${why}`), { code: "25006" });
  }

  private async probe(): Promise<DatabaseServer> {
    const reasons = new Map<DatabaseServer, string>();
    const found = await new Promise<DatabaseServer | null>((resolve) => {
      let pending = this.address.servers.length;
      for (const server of this.address.servers) {
        void this.probeOne(server).then((why) => {
          if (why === null) resolve(server);
          else reasons.set(server, why);
          if (--pending === 0) resolve(null);
        });
      }
    });
    if (found) {
      this.current = found;
      return found;
    }
    const detail = this.address.servers.map((s) => `${s.label}: ${reasons.get(s) ?? "?"}`).join("; ");
    // Class 08 (connection exception): the store is unavailable, a 503 with Retry-After.
    throw Object.assign(
      new Error(
        `no database server accepts writes (target_session_attrs=${this.address.targetSessionAttrs}): ${detail}`,
      ),
      { code: "08001" },
    );
  }

  /** Null if `server` answers and suits; otherwise why not. */
  private async probeOne(server: DatabaseServer): Promise<string | null> {
    const client = new pg.Client(clientConfig(server.url, "hookline-probe", this.connectTimeoutMs));
    client.on("error", () => undefined);
    try {
      await client.connect();
      return await this.unsuitability(client);
    } catch (error) {
      return (error as Error).message || String(error);
    } finally {
      void client.end().catch(() => undefined);
    }
  }
}

/** What every connection Hookline opens has in common; `applicationName` shows in pg_stat_activity. */
export function clientConfig(databaseUrl: string, applicationName: string, connectTimeoutMs: number): pg.ClientConfig {
  return {
    connectionString: databaseUrl,
    application_name: applicationName,
    connectionTimeoutMillis: connectTimeoutMs,
  };
}

/** node-postgres' internals the query watchdog reads (pg 8): the query on the wire and those queued behind it. */
interface ClientInternals {
  connection: { stream: Socket };
  _activeQuery: unknown;
  _queryQueue: unknown[];
}

/**
 * Bounds how long a query waits for the server: when `timeoutMs` pass without a byte from it
 * while a query is outstanding, the connection is destroyed, the query (and any queued behind it)
 * fails with ETIMEDOUT, a 503 at the API, and the pool replaces the connection. Without it a query
 * sent just before the server went silent (a partition, a failover leaving the old address
 * dropping packets) waited for the kernel to give up retransmitting, ~15 minutes
 * (net.ipv4.tcp_retries2). An idle connection is left alone: the timer only fires while a query
 * waits; a query whose result rows keep arriving is not cut off either.
 */
export function boundQueries(client: pg.Client, timeoutMs: number): void {
  if (timeoutMs <= 0) return;
  const internals = client as unknown as ClientInternals;
  const socket = internals.connection.stream;
  socket.setTimeout(timeoutMs);
  socket.on("timeout", () => {
    if (internals._activeQuery === null && internals._queryQueue.length === 0) return;
    socket.destroy(
      Object.assign(
        new Error(`no answer from the database for ${timeoutMs / 1000} s (HOOKLINE_DATABASE_QUERY_TIMEOUT)`),
        { code: "ETIMEDOUT" },
      ),
    );
  });
}
