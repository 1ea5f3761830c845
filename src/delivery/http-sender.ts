import { Agent, errors as undiciErrors, request } from "undici";
import type { ErrorKind } from "../core/entities.ts";
import { AddressPolicy, type OwnListener } from "./ssrf/address-policy.ts";
import { guardedConnector, SSRF_BLOCKED_CODE, type Resolver } from "./ssrf/guarded-connector.ts";

/** Response bodies are kept up to 20 kB in the attempt log (the size Svix keeps too). */
export const RESPONSE_BODY_LIMIT = 20_000;
/** Beyond this much response we stop reading and drop the connection instead of draining it. */
const DRAIN_LIMIT = 1024 * 1024;

export interface SendResult {
  statusCode: number;
  body: string;
  durationMs: number;
  errorKind: ErrorKind | null;
  headers: Record<string, string | string[] | undefined>;
  /**
   * What the operator's log gets and the attempt log does not: for an SSRF refusal, the name, the
   * addresses it resolved to and the rule that refused them. A tenant sees only `body`.
   */
  operatorDetail?: string;
}

/**
 * The attempt log's text for an SSRF refusal. It is neutral on purpose: which private address a
 * name resolves to is a fact about the operator's network that a tenant must not learn by probing.
 */
export const SSRF_BLOCKED_TEXT = "refused: the destination is not a public address";

/** What the attempt executor knows about the delivery it sends, for receivers inside Hookline (`hookline listen`). */
export interface DeliveryAbout {
  msgId: string;
  eventType: string;
  /** 1 for the first attempt. */
  attempt: number;
}

/** A receiver inside Hookline: answers the request without HTTP when the URL is one of its own, else null. */
export type LocalDelivery = (
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
  method: "POST" | "PUT",
  about?: DeliveryAbout,
) => Promise<SendResult | null>;

export interface SenderOptions {
  /**
   * Addresses, CIDRs and either with a port that delivery may reach although they are not globally
   * routable (HOOKLINE_ALLOW_PRIVATE_NETWORKS; see ssrf/allow-list.ts). Everything else that is
   * not public is refused before a connection is opened.
   */
  allowPrivateNetworks?: readonly string[];
  /** The policy itself, when the process shares it with the API (which judges endpoint URLs by it too). */
  policy?: AddressPolicy;
  /** Name resolution; the system resolver unless a test substitutes one. */
  resolver?: Resolver;
  /**
   * Receivers inside Hookline itself (the portal's inspectors, `hookline listen` sessions): each
   * answers without HTTP when the URL is one of theirs, else null (see inspector-delivery.ts and
   * listen-sessions.ts). Asked in order; the first answer wins.
   */
  localDelivery?: readonly LocalDelivery[];
}

/**
 * POSTs webhooks through undici keep-alive pools rather than the global fetch, which costs several
 * times more per request (docs/benchmarks.md, "Figures behind design choices"). Redirects are never
 * followed: a 3xx is reported as it is.
 *
 * SSRF protection: every new connection goes through a connector that resolves the host once,
 * refuses it (error kind `ssrf_blocked`) unless every address is public or allow-listed, and
 * connects to the checked addresses themselves (see ssrf/guarded-connector.ts).
 */
export class HttpSender {
  private readonly agent: Agent;
  private readonly policy: AddressPolicy;
  private readonly localDelivery: readonly LocalDelivery[];

  constructor(
    private readonly timeoutMs: number,
    connectionsPerOrigin: number,
    options: SenderOptions = {},
  ) {
    this.localDelivery = options.localDelivery ?? [];
    const policy = options.policy ?? new AddressPolicy(options.allowPrivateNetworks ?? []);
    this.policy = policy;
    this.agent = new Agent({
      connections: connectionsPerOrigin,
      keepAliveTimeout: 30_000,
      connect: guardedConnector(policy, { timeoutMs, resolver: options.resolver }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /** Keeps this process's own API out of reach of the allow-list's ranges (see AddressPolicy). */
  protectOwnListener(listener: OwnListener): void {
    this.policy.protectListener(listener);
  }

  /** Sends a delivery: POST, or PUT where a JavaScript transformation chose it. */
  async post(
    url: string,
    headers: Record<string, string>,
    body: string | Buffer,
    method: "POST" | "PUT" = "POST",
    about?: DeliveryAbout,
  ): Promise<SendResult> {
    for (const deliver of this.localDelivery) {
      const local = await deliver(url, headers, body, method, about);
      if (local) return local;
    }
    return this.send(method, url, headers, body);
  }

  /** An OPTIONS request, for the CloudEvents validation handshake. */
  options(url: string, headers: Record<string, string>): Promise<SendResult> {
    return this.send("OPTIONS", url, headers, undefined);
  }

  private async send(
    method: "POST" | "PUT" | "OPTIONS",
    url: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
  ): Promise<SendResult> {
    const started = performance.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await request(url, { method, headers, body, dispatcher: this.agent, signal });
      const text = await readLimited(res.body, signal);
      return { statusCode: res.statusCode, body: text, durationMs: elapsed(), errorKind: null, headers: res.headers };
    } catch (error) {
      const errorKind = classify(error, signal);
      if (errorKind === "ssrf_blocked") {
        return {
          statusCode: 0,
          body: SSRF_BLOCKED_TEXT,
          durationMs: elapsed(),
          errorKind,
          headers: {},
          operatorDetail: describe(error),
        };
      }
      return { statusCode: 0, body: describe(error), durationMs: elapsed(), errorKind, headers: {} };
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.length;
    if (kept < RESPONSE_BODY_LIMIT) {
      const part = chunk.subarray(0, RESPONSE_BODY_LIMIT - kept);
      chunks.push(part);
      kept += part.length;
    }
    if (seen > DRAIN_LIMIT || signal.aborted) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
}

function classify(error: unknown, signal: AbortSignal): ErrorKind {
  if (codeOf(error) === SSRF_BLOCKED_CODE) return "ssrf_blocked";
  if (signal.aborted) return "timeout";
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  )
    return "timeout";
  if (error instanceof undiciErrors.InvalidArgumentError || error instanceof TypeError) return "invalid_url";
  const code = codeOf(error) ?? "";
  if (code === "ECONNREFUSED") return "connection_refused";
  if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET") return "connection_reset";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") return "dns";
  if (
    code.startsWith("ERR_TLS") ||
    code.startsWith("CERT_") ||
    code.includes("SSL") ||
    code === "DEPTH_ZERO_SELF_SIGNED_CERT"
  )
    return "tls";
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return "timeout";
  return "network";
}

function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } };
  const parts = [codeOf(error), e?.message, e?.cause?.message].filter(Boolean);
  return parts.join(": ").slice(0, RESPONSE_BODY_LIMIT);
}
