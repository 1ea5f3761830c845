import { Receiver } from "./receiver.ts";

/** One span as an OTLP/HTTP JSON export carries it, attributes flattened to plain values. */
export interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
  resource: Record<string, string | number | boolean>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

const plain = (v: AnyValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue ?? ""));

const flatten = (attributes: KeyValue[] = []) => Object.fromEntries(attributes.map((a) => [a.key, plain(a.value)]));

/** OTLP span kinds as numbers (the protocol's enum). */
export const SPAN_KIND = { server: 2, client: 3 } as const;
export const STATUS_ERROR = 2;

/**
 * A stand-in for an OpenTelemetry collector: a real HTTP server on loopback that accepts OTLP/HTTP
 * JSON exports at /v1/traces, as a collector's otlphttp receiver does, and keeps their spans.
 */
export class OtlpCollector {
  private constructor(private readonly receiver: Receiver) {}

  static async start(): Promise<OtlpCollector> {
    const receiver = await Receiver.start();
    receiver.respond(() => ({ status: 200, headers: { "content-type": "application/json" }, body: "{}" }));
    return new OtlpCollector(receiver);
  }

  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  get url(): string {
    return this.receiver.url;
  }

  /** Every export request received (path, content type, headers). */
  get exports() {
    return this.receiver.requests;
  }

  spans(): ExportedSpan[] {
    const out: ExportedSpan[] = [];
    for (const request of this.receiver.requests) {
      if (request.path !== "/v1/traces") continue;
      const body = JSON.parse(request.body) as {
        resourceSpans: {
          resource: { attributes: KeyValue[] };
          scopeSpans: { spans: (Omit<ExportedSpan, "attributes" | "resource"> & { attributes: KeyValue[] })[] }[];
        }[];
      };
      for (const rs of body.resourceSpans) {
        const resource = flatten(rs.resource.attributes);
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            out.push({ ...s, parentSpanId: s.parentSpanId ?? "", attributes: flatten(s.attributes), resource });
      }
    }
    return out;
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}
