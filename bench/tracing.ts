/**
 * `npm run bench:tracing`: the CPU that tracing adds per message on the delivery path (its accept
 * and one attempt), measured in isolation as bench/observability.ts measures the metrics, so a
 * machine too busy for the end-to-end scenarios can still compare the settings:
 * - tracing off, message posted without a traceparent (the default: nothing but two null checks);
 * - tracing off, posted with one (parsed, stored, continued with a fresh span id per attempt);
 * - tracing on, spans sampled and exported over OTLP/HTTP, protobuf and JSON, to a collector
 *   stand-in in a process of its own (export CPU in this process counted: the batches are flushed
 *   every 1,000 messages inside the measured window);
 * - tracing on, sampler always_off (spans created but neither recorded nor exported).
 * Each is run --messages times after a warm-up, three times; the best run is reported in µs per message.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { parseArgs } from "node:util";
import pino from "pino";
import { addTraceHeaders, continueTrace, incomingTrace, storedTrace } from "../src/core/trace-context.ts";
import { startTracing, TRACING_OFF, type Tracing } from "../src/observability/tracing.ts";

const { values } = parseArgs({ options: { messages: { type: "string", default: "20000" } } });
const messages = Number(values.messages);
/** Messages between flushes: 2,000 spans, four batches of the default 512 (the exporter sends at most 30 at once). */
const FLUSH_EVERY = 1000;

/** An OTLP/HTTP receiver that reads and drops every export, in a child process so its CPU is not counted. */
async function startSink(): Promise<{ url: string; stop: () => void }> {
  const code = `
    const server = require("node:http").createServer((req, res) => {
      req.resume();
      req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end("{}"); });
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout, "data")) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, stop: () => child.kill() };
}

const POSTED = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "vendor=abc" };
/** The headers a delivery has before the trace is added (signatures, content type, a custom one). */
const DELIVERY_HEADERS: Record<string, string> = {
  "user-agent": "Hookline-Webhooks/0.1",
  "hookline-endpoint-version": "1",
  "content-type": "application/json",
  "webhook-id": "msg_2ZQXjv8mVtbZ5uWq3hJx0a1b2c3",
  "webhook-timestamp": "1764669600",
  "webhook-signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  "svix-id": "msg_2ZQXjv8mVtbZ5uWq3hJx0a1b2c3",
  "svix-timestamp": "1764669600",
  "svix-signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  "x-tenant": "acme",
};

/** What createMessage and the attempt executor do for tracing, for one message and one attempt. */
function oneMessage(tracing: Tracing, headers: Record<string, string>): void {
  const received = incomingTrace(headers);
  const accept = tracing.start("hookline.accept", "server", received, {
    "hookline.app_id": "app_1",
    "hookline.event_type": "invoice.paid",
    "hookline.event_id": undefined,
  });
  const trace = accept ?? received;
  accept?.setAttributes({ "hookline.message_id": "msg_1", "hookline.deliveries": 1 });
  accept?.end();
  const message = { traceparent: trace?.traceparent ?? null, tracestate: trace?.tracestate ?? null };

  const stored = storedTrace(message);
  const attempt = tracing.start("hookline.attempt", "client", stored, {
    "hookline.app_id": "app_1",
    "hookline.endpoint_id": "ep_1",
    "hookline.message_id": "msg_1",
    "hookline.event_type": "invoice.paid",
    "hookline.event_id": undefined,
    "hookline.attempt": 1,
    "http.request.method": "POST",
    "server.address": "example.com",
  });
  const outgoing = attempt ?? (stored ? continueTrace(stored) : null);
  // The executor adds them to the request's own fresh object; one reused here, so no copy is counted.
  if (outgoing) addTraceHeaders(DELIVERY_HEADERS, outgoing);
  if (attempt) {
    attempt.setAttributes({
      "hookline.outcome": "success",
      "hookline.request_sent": true,
      "http.response.status_code": 200,
    });
    attempt.end();
  }
}

async function measure(name: string, tracing: Tracing, headers: Record<string, string>): Promise<void> {
  const runs: number[] = [];
  for (let run = 0; run < 4; run++) {
    const started = process.cpuUsage();
    for (let i = 0; i < messages; i++) {
      oneMessage(tracing, headers);
      // A steady export stream, as under load: a few default-sized batches at a time.
      if (i % FLUSH_EVERY === FLUSH_EVERY - 1) await tracing.flush();
    }
    await tracing.flush();
    const used = process.cpuUsage(started);
    if (run > 0) runs.push((used.user + used.system) / messages);
  }
  console.log(`| ${name} | ${Math.min(...runs).toFixed(2)} µs |`);
}

const silent = pino({ level: "silent" });
const sink = await startSink();
try {
  const exporting = (protocol: string, sampler = "parentbased_always_on") =>
    startTracing(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_TRACES_SAMPLER: sampler,
        // Exported by the flushes inside the measured loop (the default queue holds what is between two).
        OTEL_BSP_SCHEDULE_DELAY: "3600000",
      },
      silent,
      "bench",
    );
  console.log(`| per message: accept + one attempt (best of 3 × ${messages}) | CPU |`);
  console.log("| --- | ---: |");
  await measure("tracing off, no traceparent posted", TRACING_OFF, {});
  await measure("tracing off, traceparent posted and continued", TRACING_OFF, POSTED);
  const unsampled = await exporting("http/protobuf", "always_off");
  await measure("tracing on, sampler always_off (nothing exported)", unsampled, POSTED);
  await unsampled.shutdown();
  for (const protocol of ["http/protobuf", "http/json"]) {
    const tracing = await exporting(protocol);
    await measure(`tracing on, 2 spans exported (${protocol})`, tracing, POSTED);
    await tracing.shutdown();
  }
} finally {
  sink.stop();
}
