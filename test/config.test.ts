import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, DEFAULT_RETRY_SCHEDULE, loadConfig, parseFlags } from "../src/config.ts";

describe("configuration", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, "127.0.0.1");
    assert.match(c.dataDir, /hookline-data$/);
    assert.equal(c.adminToken, undefined);
    assert.deepEqual(c.retryScheduleSeconds, [5, 300, 1800, 7200, 18000, 36000, 36000]);
    assert.deepEqual(c.retryScheduleSeconds, DEFAULT_RETRY_SCHEDULE);
    assert.equal(c.requestTimeoutMs, 15_000);
    assert.equal(c.logLevel, "info");
    assert.deepEqual(c.allowPrivateNetworks, []);
    assert.equal(c.endpointDisableAfterMs, 5 * 24 * 3600 * 1000);
    assert.equal(c.maxBodyBytes, 1024 * 1024);
    assert.equal(c.sqliteSynchronous, "FULL");
    assert.equal(c.databaseConnectTimeoutMs, 10_000);
  });

  it("reads every variable, and flags take precedence over the environment", () => {
    const c = loadConfig(
      {
        HOOKLINE_PORT: "9000",
        HOOKLINE_HOST: "0.0.0.0",
        HOOKLINE_RETRY_SCHEDULE: "1, 2.5,60",
        HOOKLINE_REQUEST_TIMEOUT: "2.5",
        HOOKLINE_LOG_LEVEL: "debug",
        HOOKLINE_ALLOW_PRIVATE_NETWORKS: "10.0.0.0/8, 127.0.0.1/32,::1/128,192.168.1.5,127.0.0.1:9000,[fd00::/8]:443",
        HOOKLINE_ADMIN_TOKEN: "a-long-enough-token",
        HOOKLINE_DATABASE_CONNECT_TIMEOUT: "2.5",
      },
      parseFlags(["--port", "9100", "--log-level=warn"]),
    );
    assert.equal(c.port, 9100);
    assert.equal(c.host, "0.0.0.0");
    assert.deepEqual(c.retryScheduleSeconds, [1, 2.5, 60]);
    assert.equal(c.requestTimeoutMs, 2500);
    assert.equal(c.logLevel, "warn");
    assert.deepEqual(c.allowPrivateNetworks, [
      "10.0.0.0/8",
      "127.0.0.1/32",
      "::1/128",
      "192.168.1.5",
      "127.0.0.1:9000",
      "[fd00::/8]:443",
    ]);
    assert.equal(c.adminToken, "a-long-enough-token");
    assert.equal(c.databaseConnectTimeoutMs, 2500);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ HOOKLINE_PORT: "eighty" }, /HOOKLINE_PORT.*whole number/],
    [{ HOOKLINE_PORT: "70000" }, /HOOKLINE_PORT.*outside/],
    [{ HOOKLINE_RETRY_SCHEDULE: "5,soon" }, /HOOKLINE_RETRY_SCHEDULE.*"soon"/],
    [{ HOOKLINE_REQUEST_TIMEOUT: "-1" }, /HOOKLINE_REQUEST_TIMEOUT/],
    [{ HOOKLINE_LOG_LEVEL: "loud" }, /HOOKLINE_LOG_LEVEL.*"loud"/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "10.0.0.0/33" }, /HOOKLINE_ALLOW_PRIVATE_NETWORKS.*10\.0\.0\.0\/33/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "intranet" }, /HOOKLINE_ALLOW_PRIVATE_NETWORKS/],
    [
      { HOOKLINE_ALLOW_PRIVATE_NETWORKS: "10.0.0.0/8,127.0.0.1:0" },
      /HOOKLINE_ALLOW_PRIVATE_NETWORKS.*"127\.0\.0\.1:0"/,
    ],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.1:65536" }, /"127\.0\.0\.1:65536"/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.1:http" }, /"127\.0\.0\.1:http"/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "10.0.0.0/8:" }, /"10\.0\.0\.0\/8:"/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "[::1]9000" }, /"\[::1\]9000"/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "[::1:9000" }, /"\[::1:9000"/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "[127.0.0.1]:80" }, /"\[127\.0\.0\.1\]:80"/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "[fd00::/129]:443" }, /"\[fd00::\/129\]:443"/],
    [{ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.1:9000" }, /"127\.1:9000"/],
    [{ HOOKLINE_ADMIN_TOKEN: "short" }, /HOOKLINE_ADMIN_TOKEN.*16/],
    [{ HOOKLINE_SQLITE_SYNCHRONOUS: "OFF" }, /HOOKLINE_SQLITE_SYNCHRONOUS/],
    [{ HOOKLINE_DATABASE_CONNECT_TIMEOUT: "0" }, /HOOKLINE_DATABASE_CONNECT_TIMEOUT.*outside/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} with a message naming the variable`, () => {
      assert.throws(
        () => loadConfig(env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  it("refuses unknown flags and flags without a value", () => {
    assert.throws(() => parseFlags(["--prot", "1"]), /unknown flag --prot/);
    assert.throws(() => parseFlags(["--port"]), /needs a value/);
  });
});
