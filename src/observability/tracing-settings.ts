/**
 * Which spans this process exports and where, read from OpenTelemetry's standard `OTEL_*`
 * variables (the OpenTelemetry SDK environment specification), so an operator configures
 * Hookline like every other traced service. Nothing here loads OpenTelemetry: with tracing off
 * the SDK is never imported (observability/tracing.ts). As that specification asks, a value that
 * cannot be used is warned about and its default taken; it never stops the process.
 */

export type TracesExporter = "otlp" | "console";
export type OtlpProtocol = "http/protobuf" | "http/json";
export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

export interface TracingSettings {
  exporters: TracesExporter[];
  protocol: OtlpProtocol;
  /** The full URL spans are posted to (…/v1/traces). */
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  sampler: SamplerName;
  samplerRatio: number;
  batch: {
    scheduledDelayMillis: number;
    exportTimeoutMillis: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
  };
}

/** Tracing off (`settings` null), or on with these settings; `warnings` for the start-up log either way. */
export interface TracingChoice {
  settings: TracingSettings | null;
  warnings: string[];
}

const SAMPLERS: readonly SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

/** The OTEL_* variables Hookline reads, with what they mean here (docs/configuration.md lists them). */
export const TRACING_VARIABLES: readonly { name: string; default: string; meaning: string; example: string }[] = [
  {
    name: "OTEL_EXPORTER_OTLP_ENDPOINT",
    default: "unset: no spans are exported",
    meaning: "OTLP/HTTP base URL of the collector; setting it turns tracing on (spans go to <url>/v1/traces)",
    example: "http://otel-collector:4318",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    default: "unset",
    meaning: "full URL for spans, used as given; wins over OTEL_EXPORTER_OTLP_ENDPOINT and also turns tracing on",
    example: "http://otel-collector:4318/v1/traces",
  },
  {
    name: "OTEL_TRACES_EXPORTER",
    default: "otlp when an endpoint is set, else none",
    meaning:
      "comma-separated: otlp, console (spans printed on stdout, to try it out) or none (off whatever else is set)",
    example: "otlp",
  },
  {
    name: "OTEL_EXPORTER_OTLP_PROTOCOL",
    default: "http/protobuf",
    meaning: "http/protobuf or http/json (grpc is not supported); OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins",
    example: "http/json",
  },
  {
    name: "OTEL_EXPORTER_OTLP_HEADERS",
    default: "none",
    meaning:
      "key=value pairs, comma-separated and URL-encoded, sent with every export (OTEL_EXPORTER_OTLP_TRACES_HEADERS too); never logged",
    example: "authorization=Bearer%20abc",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TIMEOUT",
    default: "10000",
    meaning: "milliseconds one export may take (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT wins)",
    example: "5000",
  },
  {
    name: "OTEL_SERVICE_NAME",
    default: "hookline",
    meaning: "the service.name resource attribute of every span",
    example: "hookline-eu",
  },
  {
    name: "OTEL_RESOURCE_ATTRIBUTES",
    default: "none",
    meaning: "more resource attributes, key=value pairs comma-separated",
    example: "deployment.environment=prod",
  },
  {
    name: "OTEL_TRACES_SAMPLER",
    default: "parentbased_always_on",
    meaning:
      "always_on, always_off, traceidratio or their parentbased_ forms (a posted traceparent's sampled flag decides)",
    example: "parentbased_traceidratio",
  },
  {
    name: "OTEL_TRACES_SAMPLER_ARG",
    default: "1.0",
    meaning: "the ratio, 0 to 1, of the traceidratio samplers",
    example: "0.1",
  },
  {
    name: "OTEL_BSP_SCHEDULE_DELAY",
    default: "5000",
    meaning: "milliseconds between span exports (the batch span processor's OTEL_BSP_* variables are read)",
    example: "1000",
  },
  {
    name: "OTEL_SDK_DISABLED",
    default: "false",
    meaning: "true turns tracing off whatever else is set",
    example: "true",
  },
];

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/** `key=value,key2=value2`, each part URL-decoded, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES are. */
function keyValueList(value: string | undefined, variable: string, warnings: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const part of value.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    try {
      if (eq <= 0) throw new Error("no key");
      out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // The part may be a credential: name the variable, not its value.
      warnings.push(`${variable} has an entry that is not key=value; it is ignored`);
    }
  }
  return out;
}

function positiveInteger(env: NodeJS.ProcessEnv, names: string[], fallback: number, warnings: string[]): number {
  for (const name of names) {
    const value = nonEmpty(env[name]);
    if (value === undefined) continue;
    const n = Number(value);
    if (Number.isInteger(n) && n > 0) return n;
    warnings.push(`${name}="${value}" is not a positive integer; ${fallback} is used`);
    return fallback;
  }
  return fallback;
}

function tracesUrl(env: NodeJS.ProcessEnv, warnings: string[]): string {
  const specific = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const [name, url] = specific
    ? ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", specific]
    : base
      ? ["OTEL_EXPORTER_OTLP_ENDPOINT", `${base.replace(/\/+$/, "")}/v1/traces`]
      : ["", "http://localhost:4318/v1/traces"];
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return url;
  } catch {
    // reported below
  }
  warnings.push(`${name} is not an http(s) URL; spans go to http://localhost:4318/v1/traces`);
  return "http://localhost:4318/v1/traces";
}

function protocolOf(env: NodeJS.ProcessEnv, warnings: string[]): OtlpProtocol {
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"]) {
    const value = nonEmpty(env[name]);
    if (value === undefined) continue;
    if (value === "http/protobuf" || value === "http/json") return value;
    warnings.push(
      `${name}="${value}" is not supported (http/protobuf or http/json; grpc is not); http/protobuf is used`,
    );
    return "http/protobuf";
  }
  return "http/protobuf";
}

/** Whether tracing is on, and how, from the OTEL_* variables of `env`. */
export function tracingSettings(env: NodeJS.ProcessEnv): TracingChoice {
  const warnings: string[] = [];
  if (nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === "true") return { settings: null, warnings };
  const endpointSet =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) !== undefined ||
    nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) !== undefined;
  const named = nonEmpty(env.OTEL_TRACES_EXPORTER);
  let exporters: TracesExporter[];
  if (named === undefined) {
    // The SDK's own default is otlp to localhost; here nothing is exported until an operator asks.
    exporters = endpointSet ? ["otlp"] : [];
  } else {
    const names = named.split(",").map((n) => n.trim().toLowerCase());
    if (names.includes("none")) return { settings: null, warnings };
    exporters = [];
    for (const name of names) {
      if (name === "otlp" || name === "console") {
        if (!exporters.includes(name)) exporters.push(name);
      } else if (name !== "")
        warnings.push(`OTEL_TRACES_EXPORTER names "${name}", which is not supported; it is ignored`);
    }
  }
  if (exporters.length === 0) return { settings: null, warnings };

  const resourceAttributes = keyValueList(nonEmpty(env.OTEL_RESOURCE_ATTRIBUTES), "OTEL_RESOURCE_ATTRIBUTES", warnings);
  const serviceName = nonEmpty(env.OTEL_SERVICE_NAME) ?? resourceAttributes["service.name"] ?? "hookline";

  let sampler: SamplerName = "parentbased_always_on";
  const samplerName = nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase();
  if (samplerName !== undefined) {
    if ((SAMPLERS as readonly string[]).includes(samplerName)) sampler = samplerName as SamplerName;
    else warnings.push(`OTEL_TRACES_SAMPLER="${samplerName}" is not supported; parentbased_always_on is used`);
  }
  let samplerRatio = 1;
  const ratio = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG);
  if (ratio !== undefined && sampler.endsWith("traceidratio")) {
    const n = Number(ratio);
    if (Number.isFinite(n) && n >= 0 && n <= 1) samplerRatio = n;
    else warnings.push(`OTEL_TRACES_SAMPLER_ARG="${ratio}" is not a ratio from 0 to 1; 1 is used`);
  }

  return {
    settings: {
      exporters,
      protocol: protocolOf(env, warnings),
      url: tracesUrl(env, warnings),
      headers: {
        ...keyValueList(nonEmpty(env.OTEL_EXPORTER_OTLP_HEADERS), "OTEL_EXPORTER_OTLP_HEADERS", warnings),
        ...keyValueList(nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS), "OTEL_EXPORTER_OTLP_TRACES_HEADERS", warnings),
      },
      timeoutMs: positiveInteger(
        env,
        ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"],
        10_000,
        warnings,
      ),
      serviceName,
      resourceAttributes,
      sampler,
      samplerRatio,
      batch: {
        scheduledDelayMillis: positiveInteger(env, ["OTEL_BSP_SCHEDULE_DELAY"], 5000, warnings),
        exportTimeoutMillis: positiveInteger(env, ["OTEL_BSP_EXPORT_TIMEOUT"], 30_000, warnings),
        maxQueueSize: positiveInteger(env, ["OTEL_BSP_MAX_QUEUE_SIZE"], 2048, warnings),
        maxExportBatchSize: positiveInteger(env, ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"], 512, warnings),
      },
    },
    warnings,
  };
}
