import type { Span, Tracer } from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Logger } from "pino";
import { formatTraceparent, parseTraceparent, type OutgoingTrace, type TraceHeaders } from "../core/trace-context.ts";
import { tracingSettings, type TracingSettings } from "./tracing-settings.ts";

/** The spans Hookline records (docs/operations.md, "Tracing"). */
export type SpanName = "hookline.accept" | "hookline.attempt" | "hookline.ingest";

export type SpanAttributes = Record<string, string | number | boolean | null | undefined>;

/** A span being recorded, and the trace context to hand on with this span as the parent. */
export interface ActiveSpan extends OutgoingTrace {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed: `errorType` becomes `error.type`, the span's status ERROR. */
  fail(errorType: string, message?: string): void;
  end(): void;
}

/**
 * Spans for accepting a message, for each delivery attempt and for each inbound request. With
 * tracing off (TRACING_OFF) `start` returns null and nothing of OpenTelemetry is loaded; the
 * W3C headers still travel with messages (core/trace-context.ts) without it.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** Starts a span, the child of `parent` (a stored or received context) or the root of a new trace. */
  start(
    name: SpanName,
    kind: "server" | "client",
    parent: TraceHeaders | null,
    attributes: SpanAttributes,
  ): ActiveSpan | null;
  /** Exports the spans ended so far (tests, shutdown). */
  flush(): Promise<void>;
  /** Exports what is left and stops; later spans are dropped. */
  shutdown(): Promise<void>;
}

export const TRACING_OFF: Tracing = {
  enabled: false,
  start: () => null,
  flush: async () => {},
  shutdown: async () => {},
};

const cleaned = (attributes: SpanAttributes): Record<string, string | number | boolean> => {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== null && value !== undefined) out[key] = value;
  return out;
};

/**
 * Tracing as the OTEL_* variables of `env` ask (observability/tracing-settings.ts): TRACING_OFF
 * when they ask for none, at the cost of reading a few variables. Otherwise the OpenTelemetry SDK
 * and the chosen OTLP exporter are imported now, and only now, and a tracer provider of this
 * process's own is built (not registered globally: several instances in one process, as in the
 * tests, each export with their own settings).
 */
export async function startTracing(env: NodeJS.ProcessEnv, log: Logger, version: string): Promise<Tracing> {
  const { settings, warnings } = tracingSettings(env);
  for (const warning of warnings) log.warn(warning);
  if (!settings) return TRACING_OFF;
  const tracing = await sdkTracing(settings, version, log);
  log.info(
    {
      exporters: settings.exporters,
      url: settings.exporters.includes("otlp") ? withoutCredentials(settings.url) : undefined,
      protocol: settings.exporters.includes("otlp") ? settings.protocol : undefined,
      sampler: settings.sampler,
      serviceName: settings.serviceName,
    },
    "tracing on",
  );
  return tracing;
}

/** A URL as the log may show it: without a user name or password. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  return parsed.toString();
}

/** An error as the SDK hands it over (often serialised to JSON, with a stack): name, message and code. */
function describe(value: unknown): string {
  let v = value;
  if (typeof v === "string" && v.startsWith("{")) {
    try {
      v = JSON.parse(v);
    } catch {
      // not JSON: shown as it is
    }
  }
  if (v && typeof v === "object" && "message" in v) {
    const e = v as { name?: unknown; message: unknown; code?: unknown };
    return `${String(e.name ?? "Error")}: ${String(e.message)}${e.code !== undefined ? ` (${String(e.code)})` : ""}`;
  }
  return String(v);
}

/** The SDK's own complaints (a failed export, a full queue) at most this often in the log. */
const DIAG_INTERVAL_MS = 60_000;

/**
 * Routes OpenTelemetry's diagnostics (warnings and errors only: an export the collector refused,
 * spans dropped from a full queue) to the process log, one line a minute at most with the number
 * left out, so a collector that is down is seen without flooding the log. OpenTelemetry has one
 * diagnostic logger per process: the last Hookline started in a process owns it.
 */
function forwardDiagnostics(api: typeof import("@opentelemetry/api"), log: Logger): void {
  let lastAt = -Infinity;
  let suppressed = 0;
  const report = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - lastAt < DIAG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    lastAt = now;
    log.warn(
      { detail: [message, ...args].map(describe).join(" "), suppressedSinceLast: suppressed },
      "tracing problem (spans may be lost)",
    );
    suppressed = 0;
  };
  const ignore = () => {};
  api.diag.setLogger(
    { error: report, warn: report, info: ignore, debug: ignore, verbose: ignore },
    { logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

async function exporterFor(kind: "otlp" | "console", settings: TracingSettings): Promise<SpanExporter> {
  if (kind === "console") return new (await import("@opentelemetry/sdk-trace-base")).ConsoleSpanExporter();
  const options = { url: settings.url, headers: settings.headers, timeoutMillis: settings.timeoutMs };
  if (settings.protocol === "http/json")
    return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter(options);
  return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter(options);
}

async function sdkTracing(settings: TracingSettings, version: string, log: Logger): Promise<Tracing> {
  const api = await import("@opentelemetry/api");
  const sdk = await import("@opentelemetry/sdk-trace-base");
  const { resourceFromAttributes } = await import("@opentelemetry/resources");
  forwardDiagnostics(api, log);

  const ratio = new sdk.TraceIdRatioBasedSampler(settings.samplerRatio);
  const root = {
    always_on: new sdk.AlwaysOnSampler(),
    always_off: new sdk.AlwaysOffSampler(),
    traceidratio: ratio,
    parentbased_always_on: new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }),
    parentbased_always_off: new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() }),
    parentbased_traceidratio: new sdk.ParentBasedSampler({ root: ratio }),
  }[settings.sampler];

  const spanProcessors = await Promise.all(
    settings.exporters.map(
      async (kind) => new sdk.BatchSpanProcessor(await exporterFor(kind, settings), settings.batch),
    ),
  );
  const provider = new sdk.BasicTracerProvider({
    sampler: root,
    spanProcessors,
    resource: resourceFromAttributes({
      ...settings.resourceAttributes,
      "service.name": settings.serviceName,
      "service.version": version,
    }),
  });
  const tracer: Tracer = provider.getTracer("hookline", version);
  const kinds = { server: api.SpanKind.SERVER, client: api.SpanKind.CLIENT };

  const parentContext = (parent: TraceHeaders | null) => {
    const parsed = parent ? parseTraceparent(parent.traceparent) : null;
    if (!parent || !parsed) return api.ROOT_CONTEXT;
    return api.trace.setSpanContext(api.ROOT_CONTEXT, {
      traceId: parsed.traceId,
      spanId: parsed.parentId,
      traceFlags: parsed.flags,
      isRemote: true,
      traceState: parent.tracestate ? api.createTraceState(parent.tracestate) : undefined,
    });
  };

  const active = (span: Span): ActiveSpan => {
    const context = span.spanContext();
    return {
      traceId: context.traceId,
      spanId: context.spanId,
      traceparent: formatTraceparent(context.traceId, context.spanId, context.traceFlags),
      tracestate: context.traceState?.serialize() || null,
      setAttributes: (attributes) => span.setAttributes(cleaned(attributes)),
      fail: (errorType, message) => {
        span.setAttribute("error.type", errorType);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message });
      },
      end: () => span.end(),
    };
  };

  return {
    enabled: true,
    start(name, kind, parent, attributes) {
      const span = tracer.startSpan(
        name,
        { kind: kinds[kind], attributes: cleaned(attributes) },
        parentContext(parent),
      );
      return active(span);
    },
    flush: () => provider.forceFlush(),
    async shutdown() {
      try {
        await provider.shutdown();
      } catch (error) {
        log.warn({ err: error }, "exporting the last spans failed");
      }
    },
  };
}
