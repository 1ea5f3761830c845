import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig, parseFlags } from "../src/config.ts";

describe("metrics settings", () => {
  it("default to /metrics on the API port only, without tenant labels", () => {
    const c = loadConfig({ HOOKLINE_HOST: "10.0.0.5" });
    assert.equal(c.metricsPort, null);
    assert.equal(c.metricsHost, "10.0.0.5", "the metrics listener binds where the API does unless told otherwise");
    assert.equal(c.metricsTenantLabels, false);
    assert.equal(c.metricsTenantLimit, 100);
  });

  it("are read from the environment and from flags", () => {
    const c = loadConfig(
      { HOOKLINE_METRICS_PORT: "9464", HOOKLINE_METRICS_TENANT_LABELS: "true" },
      parseFlags(["--metrics-host", "0.0.0.0", "--metrics-tenant-limit=20"]),
    );
    assert.equal(c.metricsPort, 9464);
    assert.equal(c.metricsHost, "0.0.0.0");
    assert.equal(c.metricsTenantLabels, true);
    assert.equal(c.metricsTenantLimit, 20);
  });

  for (const [env, message] of [
    [{ HOOKLINE_METRICS_PORT: "80a" }, /HOOKLINE_METRICS_PORT \(--metrics-port\): "80a" is not a whole number/],
    [{ HOOKLINE_METRICS_PORT: "70000" }, /HOOKLINE_METRICS_PORT .* outside 0\.\.65535/],
    [{ HOOKLINE_PORT: "9000", HOOKLINE_METRICS_PORT: "9000" }, /HOOKLINE_METRICS_PORT .* is the API port/],
    [{ HOOKLINE_METRICS_HOST: "not a host!" }, /HOOKLINE_METRICS_HOST .* not an address/],
    [{ HOOKLINE_METRICS_TENANT_LABELS: "maybe" }, /HOOKLINE_METRICS_TENANT_LABELS .* not true or false/],
    [{ HOOKLINE_METRICS_TENANT_LIMIT: "0" }, /HOOKLINE_METRICS_TENANT_LIMIT .* outside 1\.\.10000/],
  ] as const) {
    it(`refuses ${JSON.stringify(env)}`, () => assert.throws(() => loadConfig(env), message));
  }
});
