/**
 * A webhook endpoint for load: a minimal loopback HTTP server that answers 200 (at once, or after
 * `delayMs`) and notes when each message first arrived. The benchmarks and the fault scenarios
 * measure with it; tests that look at what was delivered (headers, bodies, scripted answers) use
 * the recording `Receiver` of receiver.ts instead.
 *
 * A message is known by its `webhook-id` header (the default; the body is not even read, so the
 * receiver costs as little as possible) or by the `seq` number in its JSON payload (the fault
 * scenarios, whose load generator numbers the messages it posts). The clock is CLOCK_MONOTONIC µs
 * by default (comparable with the benchmark's load generator processes); the fault scenarios pass
 * `preciseNow` of test/reliability/support/load.ts, in epoch milliseconds.
 *
 * It can go down and come back on the same port (the backlog scenario: a closed port refuses
 * connections, as a receiver that is down does).
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { monoUs } from "./stats.ts";

export interface ArrivalReceiverOptions {
  /** What identifies a message: its `webhook-id` header, or the `seq` of its JSON payload. */
  key?: "webhook-id" | "seq";
  /** Answer after this long (a slow endpoint); 0 answers at once. */
  delayMs?: number;
  /** The clock of `arrivals` and `lastArrivalAt`. */
  now?: () => number;
}

export class ArrivalReceiver<K extends string | number = string> {
  /** First arrival of each message, on the receiver's clock. */
  readonly arrivals = new Map<K, number>();
  /** Every request that arrived, repeats included. */
  total = 0;
  /** Arrivals of a message already seen (fan-out, or a retry). */
  duplicates = 0;
  /** The latest arrival on the receiver's clock, 0 before any. */
  lastArrivalAt = 0;
  /** Requests received and not answered yet (with `delayMs`). */
  waiting = 0;
  url = "";
  port = 0;
  private readonly key: "webhook-id" | "seq";
  private readonly delayMs: number;
  private readonly now: () => number;
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    if (this.key === "seq") req.on("data", (c: Buffer) => chunks.push(c));
    else req.resume();
    req.on("end", () => {
      const at = this.now();
      this.total++;
      this.lastArrivalAt = at;
      const id = this.key === "seq" ? seqOf(chunks) : req.headers["webhook-id"];
      if (id !== undefined && !Array.isArray(id)) {
        if (this.arrivals.has(id as K)) this.duplicates++;
        else this.arrivals.set(id as K, at);
      }
      const answer = () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"received":true}');
      };
      if (this.delayMs === 0) return answer();
      this.waiting++;
      // Unref'd: a pending slow answer must not keep the process alive after a test.
      setTimeout(() => {
        this.waiting--;
        answer();
      }, this.delayMs).unref();
    });
  });

  constructor(options: ArrivalReceiverOptions = {}) {
    this.key = options.key ?? "webhook-id";
    this.delayMs = options.delayMs ?? 0;
    this.now = options.now ?? monoUs;
    // Longer than any sender's keep-alive, so no request races an idle-connection close.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  /** A receiver listening on a free port; `url` has no path. */
  static async start<K extends string | number = string>(
    options: ArrivalReceiverOptions = {},
  ): Promise<ArrivalReceiver<K>> {
    const receiver = new ArrivalReceiver<K>(options);
    await receiver.start("");
    return receiver;
  }

  /** Forgets what arrived so far (between phases or scenarios; the URL, and so the port, stays). */
  reset(): void {
    this.arrivals.clear();
    this.total = 0;
    this.duplicates = 0;
    this.lastArrivalAt = 0;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Listens on a free port; `url` ends with `path`. */
  async start(path = "/webhook"): Promise<void> {
    await this.listen(0);
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}${path}`;
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

function seqOf(chunks: Buffer[]): number | undefined {
  try {
    const seq = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { seq?: unknown }).seq;
    return typeof seq === "number" ? seq : undefined;
  } catch {
    return undefined;
  }
}
