import pg from "pg";
import { parseDatabaseAddress, type DatabaseServer } from "./database-address.ts";
import { boundQueries, clientConfig, ServerSelector } from "./server-selector.ts";
import { storeTypes } from "./sql.ts";

export { clientConfig } from "./server-selector.ts";

/**
 * How long opening a connection may take by default. Without a bound, a server that stops
 * answering without refusing (a network partition, a failover that leaves the old address silent)
 * holds each new connection for the kernel's connect timeout, about two minutes.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * How long a query may wait for the server's answer by default (see boundQueries). Longer than
 * any statement Hookline runs on the pool (claims, batched outcomes and retention batches take
 * milliseconds; the heaviest stats queries a few seconds), so it only ends queries whose server
 * went silent. Migrations run on a connection of their own without it.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/**
 * TCP keepalive on every connection, first probe after this much idleness. It lets the kernel
 * notice a peer that vanished under an idle connection (the LISTEN session, pooled connections
 * between bursts); the probe interval and count stay the kernel's (net.ipv4.tcp_keepalive_intvl,
 * _probes: 75 s × 9 by default), so that takes ~11 minutes, which is why the query timeout and
 * the LISTEN session's heartbeat are what bound a silent server in practice.
 */
export const KEEPALIVE_IDLE_MS = 10_000;

export interface ConnectionOptions {
  connectTimeoutMs: number;
  /** 0: unbounded (migrations). */
  queryTimeoutMs: number;
}

/**
 * The database's servers and the one connections go to now (see ServerSelector), and how every
 * connection Hookline opens is made: bounded connects, bounded queries, keepalive, and checked to
 * accept writes when HOOKLINE_DATABASE_URL set target_session_attrs.
 */
export class DatabaseConnector {
  readonly selector: ServerSelector;

  constructor(
    databaseUrl: string,
    readonly options: ConnectionOptions,
  ) {
    this.selector = new ServerSelector(parseDatabaseAddress(databaseUrl), options.connectTimeoutMs);
  }

  /** host:port of every server, for messages (never the password). */
  get label(): string {
    return this.selector.address.label;
  }

  /** A connected client of its own (the LISTEN session, migrations, `hookline token`), on the chosen server. */
  async connect(applicationName: string, options: { queryTimeoutMs?: number } = {}): Promise<pg.Client> {
    const server = await this.selector.pick();
    const client = new pg.Client({
      ...clientConfig(server.url, applicationName, this.options.connectTimeoutMs),
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    });
    client.on("error", () => this.selector.forget(server));
    try {
      await client.connect();
      await this.selector.check(client, server);
    } catch (error) {
      this.selector.forget(server);
      void client.end().catch(() => undefined);
      throw error;
    }
    boundQueries(client, options.queryTimeoutMs ?? this.options.queryTimeoutMs);
    return client;
  }

  /**
   * The store's pool. Each new connection asks the selector where to go, so after a failover the
   * pool refills on the promoted server; a connection that fails, or a query refused as read-only
   * (SQLSTATE 25006), makes the selector choose again.
   *
   * The connect timeout is given to each connection, not to the pool: as a pool option it also
   * arms a timer around every checkout, and in five alternating benchmark pairs
   * (`npm run bench -- --only postgres`) that was slower in all five, by 1-13% (3% in the median
   * pair), though two runs of one build can differ by as much here. Waiting for a free pooled
   * connection is therefore bounded only through the queries ahead of it (the query timeout);
   * readiness (2 s) is what takes a process whose connections all hang out of a load balancer.
   */
  createPool(max: number): pg.Pool {
    const { selector, options } = this;
    const first = selector.address.servers[0]!;
    class FollowingClient extends pg.Client {
      private server: DatabaseServer = first;

      constructor(config?: string | pg.ClientConfig) {
        super({
          ...(typeof config === "string" ? { connectionString: config } : config),
          connectionTimeoutMillis: options.connectTimeoutMs,
        });
        this.on("error", () => selector.forget(this.server));
      }

      override connect(): Promise<pg.Client>;
      override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
      override connect(
        callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void),
      ): Promise<pg.Client> | void {
        const connected = this.connectToChosen().then(() => this as pg.Client);
        if (!callback) return connected;
        const done = callback as (err: Error | null, c?: pg.Client) => void;
        connected.then(
          (client) => done(null, client),
          (error: Error) => done(error),
        );
      }

      /** The server picked now, not the one the pool's options named when this client was made. */
      private async connectToChosen(): Promise<void> {
        this.server = await selector.pick();
        const { host, port } = this.server;
        if (host !== undefined && port !== undefined) {
          // node-postgres read host and port from the pool's options when the client was made.
          const parameters = (this as unknown as { connectionParameters: { host: string; port: number } })
            .connectionParameters;
          this.host = parameters.host = host;
          this.port = parameters.port = port;
        }
        try {
          await super.connect();
          await selector.check(this, this.server);
        } catch (error) {
          selector.forget(this.server);
          throw error;
        }
        boundQueries(this, options.queryTimeoutMs);
      }

      /** The server this client is connected to (read-only errors make the selector choose again). */
      get chosenServer(): DatabaseServer {
        return this.server;
      }
    }
    const pool = new pg.Pool({
      ...clientConfig(first.url, "hookline", 0),
      Client: FollowingClient,
      max,
      types: storeTypes(),
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    });
    // pool.query releases its client with the error: a server that turned read-only under a live
    // connection (a demoted primary restarted as a standby keeps no sessions, but
    // default_transaction_read_only can be reloaded) is chosen against at the next connection.
    pool.on("release", (error: Error | undefined, client: pg.PoolClient) => {
      if ((error as { code?: string } | undefined)?.code === "25006")
        selector.forget((client as unknown as FollowingClient).chosenServer);
    });
    return pool;
  }
}

/** The store's pool on a single URL (tests of the connection itself). */
export function createPool(
  databaseUrl: string,
  options: { max: number; connectTimeoutMs: number; queryTimeoutMs?: number },
): pg.Pool {
  return new DatabaseConnector(databaseUrl, {
    connectTimeoutMs: options.connectTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
  }).createPool(options.max);
}
