/**
 * The webhook endpoint: a minimal loopback HTTP server that answers 200 at once and records the
 * monotonic arrival time of each `webhook-id` (the first arrival; repeats are only counted).
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { monoUs } from "./stats.ts";

export class BenchReceiver {
  readonly arrivals = new Map<string, number>();
  duplicates = 0;
  url = "";
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const at = monoUs();
      const id = req.headers["webhook-id"];
      if (typeof id === "string") {
        if (this.arrivals.has(id)) this.duplicates++;
        else this.arrivals.set(id, at);
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"received":true}');
    });
  });

  /** Forgets what arrived so far (between phases; the endpoint URL, and so the port, stays). */
  reset(): void {
    this.arrivals.clear();
    this.duplicates = 0;
  }

  async start(): Promise<void> {
    // Longer than the sender's 30 s keep-alive, so no request races an idle-connection close.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhook`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
