import http from "node:http";
import type { AddressInfo } from "node:net";
import { preciseNow } from "./load.ts";

/**
 * A minimal receiver that answers 200 (at once, or after `delayMs`) and notes when each message
 * (by the `seq` in its payload) first arrived, with sub-millisecond resolution: for latencies of
 * a few milliseconds.
 */
export class TimingReceiver {
  /** First arrival (epoch ms, see preciseNow) by sequence number. */
  readonly arrivals = new Map<number, number>();
  /** Requests received and not answered yet. */
  waiting = 0;
  url = "";
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = preciseNow();
      const seq = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { seq: number }).seq;
      if (!this.arrivals.has(seq)) this.arrivals.set(seq, at);
      if (this.delayMs === 0) return res.writeHead(200).end("ok");
      this.waiting++;
      // Unref'd: a pending slow answer must not keep the test process alive after the test.
      setTimeout(() => {
        this.waiting--;
        res.writeHead(200).end("ok");
      }, this.delayMs).unref();
    });
  });

  private constructor(private readonly delayMs: number) {}

  static async start(options: { delayMs?: number } = {}): Promise<TimingReceiver> {
    const r = new TimingReceiver(options.delayMs ?? 0);
    await new Promise<void>((resolve) => r.server.listen(0, "127.0.0.1", resolve));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
