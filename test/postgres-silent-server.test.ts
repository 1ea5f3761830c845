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
          20_000,
        );
        assert.equal(result.timedOut, false, `still running after 20 s\n${result.stderr}`);
        assert.notEqual(result.code, 0);
        assert.match(
          result.stderr,
          /^hookline: could not (start|migrate): the database at 127\.0\.0\.1:\d+ is unavailable: timeout expired \(HOOKLINE_DATABASE_URL/m,
          result.stderr,
        );
        assert.ok(result.durationMs < 10_000, `stopped after ${result.durationMs} ms`);
      } finally {
        removeDir(dataDir);
      }
    });
  }
});
