import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import pino from "pino";
import { unknownVariableWarnings } from "../src/main/environment-check.ts";
import { TRACING_VARIABLES, tracingSettings } from "../src/observability/tracing-settings.ts";
import { startTracing, TRACING_OFF } from "../src/observability/tracing.ts";

const silent = pino({ level: "silent" });

/** Which OTEL_* variables turn tracing on and how they are read (observability/tracing-settings.ts). */
describe("tracing settings", () => {
  it("is off with no OTEL_* variables, and then loads nothing", async () => {
    assert.equal(tracingSettings({}).settings, null);
    assert.equal(await startTracing({}, silent, "test"), TRACING_OFF);
  });

  it("turns on with an OTLP endpoint, posting to <endpoint>/v1/traces as protobuf by default", () => {
    const { settings, warnings } = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" });
    assert.deepEqual(warnings, []);
    assert.equal(settings?.url, "http://collector:4318/v1/traces");
    assert.equal(settings?.protocol, "http/protobuf");
    assert.deepEqual(settings?.exporters, ["otlp"]);
    assert.equal(settings?.serviceName, "hookline");
    assert.equal(settings?.sampler, "parentbased_always_on");
  });

  it("uses the traces endpoint as given, and the traces protocol and headers first", () => {
    const { settings } = tracingSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:4318/custom",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc,x-a=1",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-a=2",
    });
    assert.equal(settings?.url, "http://b:4318/custom");
    assert.equal(settings?.protocol, "http/json");
    assert.deepEqual(settings?.headers, { authorization: "Bearer abc", "x-a": "2" });
  });

  it("is off when told so, whatever else is set", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    assert.equal(tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }).settings, null);
    assert.equal(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: "true" }).settings, null);
  });

  it("turns on with OTEL_TRACES_EXPORTER alone (the spec's localhost default for otlp)", () => {
    const { settings } = tracingSettings({ OTEL_TRACES_EXPORTER: "console,otlp" });
    assert.deepEqual(settings?.exporters, ["console", "otlp"]);
    assert.equal(settings?.url, "http://localhost:4318/v1/traces");
  });

  it("warns about values it cannot use and takes their defaults, never naming a header's value", () => {
    const { settings, warnings } = tracingSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_TRACES_SAMPLER: "sometimes",
      OTEL_TRACES_SAMPLER_ARG: "2",
      OTEL_BSP_SCHEDULE_DELAY: "soon",
      OTEL_EXPORTER_OTLP_HEADERS: "secret-token-without-key",
    });
    assert.equal(settings?.protocol, "http/protobuf");
    assert.equal(settings?.sampler, "parentbased_always_on");
    assert.equal(settings?.batch.scheduledDelayMillis, 5000);
    assert.equal(warnings.length, 4, warnings.join("\n"));
    assert.ok(warnings.every((w) => !w.includes("secret-token")));
  });

  it("reads the sampler and its ratio, and the service name and resource attributes", () => {
    const { settings } = tracingSettings({
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,service.name=from-attrs",
    });
    assert.equal(settings?.samplerRatio, 0.25);
    assert.equal(settings?.serviceName, "from-attrs");
    assert.equal(settings?.resourceAttributes["deployment.environment"], "prod");
  });

  it("OTEL_* variables are not warned about as unknown settings", () => {
    const env = Object.fromEntries(TRACING_VARIABLES.map((v) => [v.name, v.example]));
    assert.deepEqual(unknownVariableWarnings(env), []);
  });

  it("documents every OTEL_* variable it reads", () => {
    const source = readFileSync(new URL("../src/observability/tracing-settings.ts", import.meta.url), "utf8");
    const read = new Set([...source.matchAll(/\b(OTEL_[A-Z_]+)\b/g)].map((m) => m[1]!));
    // Named in a row of its own or in another's meaning (the TRACES_ forms, "the OTEL_BSP_* variables").
    const documented = JSON.stringify(TRACING_VARIABLES);
    for (const name of read)
      assert.ok(documented.includes(name) || (name.startsWith("OTEL_BSP_") && documented.includes("OTEL_BSP_*")), name);
  });
});
