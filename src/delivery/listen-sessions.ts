import type { Logger } from "pino";
import type WebSocket from "ws";
import type { ErrorKind } from "../core/entities.ts";
import {
  CLOSE,
  FORWARD_ERROR_KINDS,
  listenSessionOf,
  type ClientFrame,
  type DeliveryFrame,
  type ResponseFrame,
} from "../core/listen-protocol.ts";
import { RESPONSE_BODY_LIMIT, type DeliveryAbout, type SendResult } from "./http-sender.ts";

/**
 * A server ping every 15 s, and a socket that has not answered the previous one is dropped: a
 * laptop that lost its network without a FIN is noticed within 30 s, so its deliveries stop
 * waiting for the request timeout on a dead socket and go back to the retry schedule.
 */
const PING_INTERVAL_MS = 15_000;

interface Waiting {
  resolve(result: SendResult): void;
  timer: NodeJS.Timeout;
  started: number;
}

class ListenConnection {
  readonly waiting = new Map<string, Waiting>();
  private nextId = 0;
  alive = true;

  constructor(readonly socket: WebSocket) {}

  frameId(): string {
    return String(++this.nextId);
  }

  /** Every delivery still waiting for this socket's answer fails as a dropped connection would. */
  failAll(why: string): void {
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      w.resolve(noAnswer("connection_reset", why, w.started));
      this.waiting.delete(id);
    }
  }
}

function noAnswer(errorKind: ErrorKind, body: string, started: number): SendResult {
  return { statusCode: 0, body, durationMs: Math.round(performance.now() - started), errorKind, headers: {} };
}

/**
 * The `hookline listen` sockets connected to this process, by session id, and delivery to them
 * (docs/architecture.md, "Listen sessions"). A delivery to a listen endpoint becomes a frame on
 * the session's socket; the CLI's frame with the local response becomes the attempt's result, so
 * retries, the attempt log and endpoint health work as for an HTTP endpoint.
 *
 * Only the process holding the socket can deliver: a session that is not connected here (the
 * CLI is away, or, with several processes on PostgreSQL, connected to another one) answers as
 * an endpoint that refuses connections, and the delivery waits for its next retry.
 */
export class ListenSessions {
  private readonly connections = new Map<string, ListenConnection>();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  isConnected(sessionId: string): boolean {
    return this.connections.has(sessionId);
  }

  /**
   * Makes `socket` the session's connection; a previous one (a reconnect that arrived before the
   * old socket's close was seen) is closed. `onEnd` runs when the CLI ends the session.
   */
  attach(sessionId: string, socket: WebSocket, onEnd: () => Promise<void>): void {
    const previous = this.connections.get(sessionId);
    if (previous) {
      previous.failAll("the listen session was taken over by a new connection");
      previous.socket.close(CLOSE.replaced, "replaced by a new connection");
    }
    const connection = new ListenConnection(socket);
    this.connections.set(sessionId, connection);
    socket.on("pong", () => (connection.alive = true));
    socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      let frame: ClientFrame;
      try {
        frame = JSON.parse(data.toString()) as ClientFrame;
      } catch {
        return;
      }
      if (frame?.type === "response") this.settle(connection, frame);
      else if (frame?.type === "end")
        void onEnd()
          .catch((error: unknown) => this.log.error({ err: error, sessionId }, "ending a listen session failed"))
          .finally(() => socket.close(CLOSE.ended, "session ended"));
    });
    socket.on("close", () => {
      connection.failAll("the listen session disconnected before answering");
      if (this.connections.get(sessionId) === connection) this.connections.delete(sessionId);
    });
    socket.on("error", (error) => this.log.debug({ err: error, sessionId }, "listen socket error"));
  }

  /**
   * The sender's local delivery for listen endpoints: null for any other URL (it goes out over
   * HTTP), else the CLI's answer, or a failed attempt when the session is not connected here.
   */
  async deliver(
    url: string,
    headers: Record<string, string>,
    body: string | Buffer,
    method: "POST" | "PUT",
    about: DeliveryAbout | undefined,
  ): Promise<SendResult | null> {
    const sessionId = listenSessionOf(url);
    if (sessionId === null) return null;
    const started = performance.now();
    const connection = this.connections.get(sessionId);
    if (!connection)
      return noAnswer(
        "connection_refused",
        `the listen session ${sessionId} is not connected to this Hookline process: ` +
          "the delivery waits for its next retry (run `hookline listen` with this session again)",
        started,
      );
    const frame: DeliveryFrame = {
      type: "delivery",
      id: connection.frameId(),
      msgId: about?.msgId ?? headers["webhook-id"] ?? "",
      eventType: about?.eventType ?? "",
      attempt: about?.attempt ?? 1,
      method,
      headers,
      body: Buffer.from(body).toString("base64"),
    };
    return new Promise<SendResult>((resolve) => {
      const timer = setTimeout(() => {
        connection.waiting.delete(frame.id);
        resolve(noAnswer("timeout", `the listen session did not answer within ${this.timeoutMs} ms`, started));
      }, this.timeoutMs);
      connection.waiting.set(frame.id, { resolve, timer, started });
      connection.socket.send(JSON.stringify(frame), (error) => {
        if (!error) return;
        const w = connection.waiting.get(frame.id);
        if (!w) return;
        clearTimeout(w.timer);
        connection.waiting.delete(frame.id);
        resolve(noAnswer("connection_reset", `sending to the listen session failed: ${error.message}`, started));
      });
    });
  }

  private settle(connection: ListenConnection, frame: ResponseFrame): void {
    const w = connection.waiting.get(String(frame.id));
    if (!w) return;
    clearTimeout(w.timer);
    connection.waiting.delete(String(frame.id));
    const durationMs = Math.round(performance.now() - w.started);
    const body = typeof frame.body === "string" ? frame.body.slice(0, RESPONSE_BODY_LIMIT) : "";
    const error = FORWARD_ERROR_KINDS.find((kind) => kind === frame.error);
    if (frame.error !== undefined) {
      w.resolve({
        statusCode: 0,
        body: body || `the local URL could not be reached (${String(frame.error)})`,
        durationMs,
        errorKind: error ?? "network",
        headers: {},
      });
      return;
    }
    const status = Number(frame.status);
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      w.resolve(noAnswer("network", "the listen session answered with an invalid status", w.started));
      return;
    }
    w.resolve({ statusCode: status, body, durationMs, errorKind: null, headers: cleanHeaders(frame.headers) });
  }

  private ping(): void {
    for (const [sessionId, connection] of this.connections) {
      if (!connection.alive) {
        this.log.info({ sessionId }, "listen session did not answer a ping; dropping it");
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  /** At shutdown: every socket is told to reconnect (1001), and what waited fails as a reset. */
  close(): void {
    clearInterval(this.pinger);
    for (const connection of this.connections.values()) {
      connection.failAll("the server is shutting down");
      connection.socket.close(CLOSE.shutdown, "server shutting down");
    }
    this.connections.clear();
  }
}

/** The local response's headers as the attempt log keeps them: strings or string lists only. */
function cleanHeaders(raw: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!raw || typeof raw !== "object") return out;
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value === "string") out[name.toLowerCase()] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === "string")) out[name.toLowerCase()] = value;
  }
  return out;
}
