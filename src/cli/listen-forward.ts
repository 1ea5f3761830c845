import { request } from "undici";
import type { DeliveryFrame, ForwardErrorKind, ResponseFrame } from "../core/listen-protocol.ts";

/** What the attempt log keeps of a response body (the server cuts there too). */
const BODY_LIMIT = 20_000;
/**
 * A local handler that takes longer than this is reported as a timeout. The server waits up to
 * its own HOOKLINE_REQUEST_TIMEOUT (30 s by default) and records a timeout itself if that is shorter.
 */
const LOCAL_TIMEOUT_MS = 30_000;
/** Headers of the hop, not of the delivery: the HTTP client sets them for the local request. */
const HOP_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

/**
 * Sends one delivery to the local URL as the server would have sent it: the same method, the same
 * headers (webhook-id, webhook-timestamp, webhook-signature, content-type and the endpoint's own),
 * and the body's exact bytes, so the local code verifies a real signature. Returns the frame that
 * tells the server what happened.
 */
export async function forwardToLocal(localUrl: string, delivery: DeliveryFrame): Promise<ResponseFrame> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(delivery.headers)) {
    if (!HOP_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  const signal = AbortSignal.timeout(LOCAL_TIMEOUT_MS);
  try {
    const res = await request(localUrl, {
      method: delivery.method,
      headers,
      body: Buffer.from(delivery.body, "base64"),
      signal,
    });
    const chunks: Buffer[] = [];
    let kept = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (kept < BODY_LIMIT) {
        const part = chunk.subarray(0, BODY_LIMIT - kept);
        chunks.push(part);
        kept += part.length;
      }
    }
    const responseHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) responseHeaders[name] = value;
    return {
      type: "response",
      id: delivery.id,
      status: res.statusCode,
      headers: responseHeaders,
      body: Buffer.concat(chunks).toString("utf8"),
      durationMs: elapsed(),
    };
  } catch (error) {
    const kind = signal.aborted ? "timeout" : errorKind(error);
    return {
      type: "response",
      id: delivery.id,
      status: 0,
      headers: {},
      body: `${localUrl}: ${describe(error)}`,
      durationMs: elapsed(),
      error: kind,
    };
  }
}

function codeOf(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code ?? "";
}

function errorKind(error: unknown): ForwardErrorKind {
  const code = codeOf(error);
  if (code === "ECONNREFUSED") return "connection_refused";
  if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET") return "connection_reset";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "dns";
  if (code.includes("TIMEOUT")) return "timeout";
  return "network";
}

function describe(error: unknown): string {
  const e = error as { message?: string };
  return [codeOf(error), e?.message].filter(Boolean).join(": ");
}
