import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body's exact bytes. */
  raw: Buffer;
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (to simulate a slow endpoint). */
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
  /** Answer only once this settles (then after `delayMs`), to hold answers until a test says so. */
  until?: Promise<unknown>;
}

/**
 * A real HTTP server on loopback that records every request and answers as the test tells it.
 * Stands in for a customer's webhook endpoint.
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private handler: (req: ReceivedRequest, index: number) => Reply = () => ({ status: 200, body: "ok" });
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<import("node:net").Socket>();
  url = "";

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const received: ReceivedRequest = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          raw: Buffer.concat(chunks),
          at: Date.now(),
        };
        const index = this.requests.push(received) - 1;
        const reply = this.handler(received, index);
        const send = () => {
          if (reply.reset) {
            req.socket.destroy();
          } else {
            res.writeHead(reply.status ?? 200, reply.headers ?? {});
            res.end(reply.body ?? "");
          }
          this.notify();
        };
        const answer = () => (reply.delayMs ? setTimeout(send, reply.delayMs) : send());
        if (reply.until) void reply.until.finally(answer);
        else answer();
      });
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    await new Promise<void>((resolve) => r.server.listen(0, "127.0.0.1", resolve));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  /**
   * Connections still open to this receiver. Once a sender process has exited and this is 0, every
   * request it wrote has been read and handed to the handler: a child's exit and its last request's
   * bytes are separate events, and on a busy machine the exit can be seen first.
   */
  get openConnections(): number {
    return this.sockets.size;
  }

  respond(handler: (req: ReceivedRequest, index: number) => Reply): void {
    this.handler = handler;
  }

  /** Resolves once `count` requests have been answered; fails the test after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`receiver got ${this.requests.length} requests, expected ${count}`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.requests.length >= w.count) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
