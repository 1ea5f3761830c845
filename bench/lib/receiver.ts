/**
 * The webhook endpoint of every `npm run bench` scenario: a minimal loopback HTTP server that reads
 * the body, answers 200 at once and records the arrival (CLOCK_MONOTONIC µs) of each `webhook-id`.
 *
 * Like bench/support/receiver.ts (the retention bench's), plus what the scenarios here need: every
 * arrival counted (one message fanned out to 50 endpoints arrives 50 times under one id), the time
 * of the last arrival, and going down and coming back on the same port (the backlog scenario: a
 * closed port refuses connections, as a receiver that is down does).
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { monoUs } from "../support/stats.ts";

export class Receiver {
  /** First arrival of each webhook-id, monotonic µs. */
  readonly arrivals = new Map<string, number>();
  /** Every request that arrived, repeats included. */
  total = 0;
  /** Arrivals of an id already seen (fan-out, or a retry). */
  duplicates = 0;
  /** Monotonic µs of the latest arrival, 0 before any. */
  lastArrivalUs = 0;
  url = "";
  port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const at = monoUs();
      this.total++;
      this.lastArrivalUs = at;
      const id = req.headers["webhook-id"];
      if (typeof id === "string") {
        if (this.arrivals.has(id)) this.duplicates++;
        else this.arrivals.set(id, at);
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"received":true}');
    });
  });

  constructor() {
    // Longer than any sender's keep-alive, so no request races an idle-connection close.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  /** Forgets what arrived so far (between scenarios; the URL, and so the port, stays). */
  reset(): void {
    this.arrivals.clear();
    this.total = 0;
    this.duplicates = 0;
    this.lastArrivalUs = 0;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  async start(): Promise<void> {
    await this.listen(0);
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/webhook`;
  }

  /** Stops listening and drops open connections: new connections to the port are refused. */
  async down(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    if (this.server.listening) return;
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.down();
  }

  private listen(port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }
}
