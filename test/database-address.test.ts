/**
 * HOOKLINE_DATABASE_URL's multi-host form, split as libpq reads it: one single-host URL per server
 * with everything else kept, and target_session_attrs taken out (node-postgres does not know it).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../src/config.ts";
import { parseDatabaseAddress } from "../src/store/postgres/database-address.ts";

describe("database address", () => {
  it("passes a single-host URL through untouched", () => {
    const url = "postgres://hookline:s3cret@db.internal:6432/hookline?sslmode=require";
    const address = parseDatabaseAddress(url);
    assert.deepEqual(address.servers, [{ label: "db.internal:6432", url }]);
    assert.equal(address.targetSessionAttrs, "any");
  });

  it("splits a host list into one URL per server, keeping user, password, database and parameters", () => {
    const address = parseDatabaseAddress(
      "postgresql://hookline:s%40cret@db1:5433,db2,[::1]:6000/hooks?sslmode=require&target_session_attrs=read-write&application_name=x",
    );
    assert.equal(address.targetSessionAttrs, "read-write");
    assert.deepEqual(
      address.servers.map((s) => [s.label, s.url, s.host, s.port]),
      [
        ["db1:5433", "postgresql://hookline:s%40cret@db1:5433/hooks?sslmode=require&application_name=x", "db1", 5433],
        ["db2:5432", "postgresql://hookline:s%40cret@db2:5432/hooks?sslmode=require&application_name=x", "db2", 5432],
        [
          "[::1]:6000",
          "postgresql://hookline:s%40cret@[::1]:6000/hooks?sslmode=require&application_name=x",
          "::1",
          6000,
        ],
      ],
    );
    assert.equal(address.label, "db1:5433,db2:5432,[::1]:6000");
  });

  it("checks one server too when target_session_attrs asks for it", () => {
    const address = parseDatabaseAddress("postgres://u@db:5432/h?target_session_attrs=primary");
    assert.equal(address.targetSessionAttrs, "primary");
    assert.equal(address.servers[0]!.url, "postgres://u@db:5432/h");
  });

  it("refuses targets that cannot take writes and malformed host lists, without echoing the password", () => {
    assert.throws(
      () => parseDatabaseAddress("postgres://u:pw@db1,db2/h?target_session_attrs=standby"),
      (e: Error) => /target_session_attrs=standby.*any, read-write, primary/.test(e.message) && !/pw/.test(e.message),
    );
    assert.throws(() => parseDatabaseAddress("postgres://u@db1:99999,db2/h"), /host 1 .*outside 1\.\.65535/);
    assert.throws(() => parseDatabaseAddress("postgres://u@db1,:5432/h"), /host 2 of the list/);
    assert.throws(() => parseDatabaseAddress("mysql://u@db/h"), /postgres:\/\//);
  });

  it("HOOKLINE_DATABASE_URL accepts the multi-host form and names the setting when it is wrong", () => {
    const config = loadConfig({
      HOOKLINE_DATABASE_URL: "postgres://u@db1:5432,db2:5432/h?target_session_attrs=read-write",
    });
    assert.match(config.databaseUrl!, /db1:5432,db2:5432/);
    assert.throws(
      () => loadConfig({ HOOKLINE_DATABASE_URL: "postgres://u@db1,db2/h?target_session_attrs=read-only" }),
      /HOOKLINE_DATABASE_URL \(--database-url\): target_session_attrs=read-only/,
    );
    assert.throws(() => loadConfig({ HOOKLINE_DATABASE_URL: "http://x" }), /HOOKLINE_DATABASE_URL.*postgres:\/\//);
  });
});
