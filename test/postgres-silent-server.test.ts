/**
 * A PostgreSQL address that accepts connections and never answers: what a network partition or a
 * failover that leaves the old address silent looks like. Every connection Hookline opens gives up
 * after HOOKLINE_DATABASE_CONNECT_TIMEOUT instead of the kernel's two minutes: the pool's (and the
 * error counts as "store unavailable", a 503 at the API), the migration's at start-up, and so
 * `hookline serve` and `hookline migrate` stop with a clear message. Needs no PostgreSQL server:
 * the silent one is a plain TCP listener on loopback.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { createPool } from "../src/store/postgres/connection.ts";
import { migratePostgres } from "../src/store/postgres/migrate.ts";
import { isStoreUnavailable } from "../src/store/store-unavailable.ts";
import { removeDir, runCli, tempDataDir } from "./support/server-process.ts";

describe("a PostgreSQL server that never answers", () => {
  const sockets: net.Socket[] = [];
  let server: net.Server;
  let url: string;
  before(async () => {
    server = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `postgres://hookline@127.0.0.1:${(server.address() as net.AddressInfo).port}/hookline`;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("the pool's connections give up after the connect timeout, as 'store unavailable'", async () => {
    const pool = createPool(url, { max: 2, connectTimeoutMs: 300 });
    pool.on("error", () => undefined);
    try {
      const started = Date.now();
      const error = await pool.query("SELECT 1").then(
        () => assert.fail("a silent server answered"),
        (e: unknown) => e,
      );
      const tookMs = Date.now() - started;
      assert.ok(isStoreUnavailable(error), `a 503, not a 500: ${String(error)}`);
      assert.ok(tookMs >= 250 && tookMs < 5000, `gave up after ${tookMs} ms`);
    } finally {
      await pool.end();
    }
  });

  it("migrating gives up after the connect timeout", async () => {
    const started = Date.now();
    await assert.rejects(migratePostgres(url, { connectTimeoutMs: 300 }), /timeout expired/);
    assert.ok(Date.now() - started < 5000);
  });

  for (const command of ["serve", "migrate"]) {
    it(`\`hookline ${command}\` stops within HOOKLINE_DATABASE_CONNECT_TIMEOUT, saying why`, async () => {
      const dataDir = tempDataDir("hookline-silent-");
      try {
        const result = await runCli(
          [command],
          { HOOKLINE_DATABASE_URL: url, HOOKLINE_DATABASE_CONNECT_TIMEOUT: "1", HOOKLINE_DATA_DIR: dataDir },
          90_000,
        );
        assert.equal(result.timedOut, false, `still running after 90 s\n${result.stderr}`);
        assert.notEqual(result.code, 0);
        assert.match(
          result.stderr,
          /^hookline: could not (start|migrate): the database at 127\.0\.0\.1:\d+ is unavailable: timeout expired \(HOOKLINE_DATABASE_URL/m,
          result.stderr,
        );
        // Far below the kernel's ~2 minutes; generous because starting node itself took 10-17 s with
        // other work holding the load average at 30-40.
        assert.ok(result.durationMs < 60_000, `stopped after ${result.durationMs} ms`);
      } finally {
        removeDir(dataDir);
      }
    });
  }
});

/**
 * A server that completes the start-up handshake (trust: AuthenticationOk, ReadyForQuery) and then
 * never answers a query: a connection whose peer went silent after it was opened, as in a
 * partition. The query gives up after HOOKLINE_DATABASE_QUERY_TIMEOUT, as "store unavailable", and
 * the pool drops the connection instead of lending it out again.
 */
describe("a PostgreSQL server that goes silent after connecting", () => {
  const sockets: net.Socket[] = [];
  let server: net.Server;
  let url: string;
  let connections = 0;
  before(async () => {
    server = net.createServer((socket) => {
      connections++;
      sockets.push(socket);
      socket.once("data", () => {
        const authOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
        const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
        socket.write(Buffer.concat([authOk, ready]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `postgres://hookline@127.0.0.1:${(server.address() as net.AddressInfo).port}/hookline`;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("a query gives up after the query timeout, as 'store unavailable', and its connection is replaced", async () => {
    const pool = createPool(url, { max: 1, connectTimeoutMs: 5000, queryTimeoutMs: 300 });
    pool.on("error", () => undefined);
    try {
      for (let round = 1; round <= 2; round++) {
        const started = Date.now();
        const error = await pool.query("SELECT 1").then(
          () => assert.fail("a silent server answered"),
          (e: unknown) => e,
        );
        const tookMs = Date.now() - started;
        assert.ok(isStoreUnavailable(error), `a 503, not a 500: ${String(error)}`);
        assert.match(String(error), /no answer from the database for 0\.3 s \(HOOKLINE_DATABASE_QUERY_TIMEOUT\)/);
        assert.ok(tookMs >= 250 && tookMs < 10_000, `gave up after ${tookMs} ms`);
        assert.equal(connections, round, "each query had a fresh connection: the timed-out one was dropped");
      }
    } finally {
      await pool.end();
    }
  });
});
