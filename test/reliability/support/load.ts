import { Agent, request } from "undici";
import { ArrivalReceiver } from "../../support/arrival-receiver.ts";

/** What became of one POST of a message, as its client saw it. */
export type Outcome =
  | { kind: "acked"; msgId: string }
  /** An HTTP answer other than 202: the server said it did not accept the message. */
  | { kind: "refused"; status: number; body: string; retryAfter: string | null }
  /** The connection was refused: the server was down, nothing can have been stored. */
  | { kind: "down" }
  /** No answer (reset, timeout): the message may or may not have been stored. */
  | { kind: "no_answer"; error: string };

export interface LoadOptions {
  /** The server's base URL at this moment (it changes when a test restarts the server). */
  target: () => string;
  token: string;
  /** The application a message is posted to. */
  appFor: (seq: number) => string;
  ratePerSecond: number;
  /** More POSTs than this in flight and new ones wait: a client's own limit. */
  maxInFlight: number;
  /** A POST without an answer after this long counts as `no_answer`. */
  timeoutMs?: number;
  /** The first sequence number (default 0), so several generators can feed one receiver. */
  firstSeq?: number;
}

/** Epoch milliseconds with sub-millisecond resolution (Date.now() is whole milliseconds), for latencies of a few ms. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/**
 * A receiver on this generator's terms: it knows a message by the `seq` of its payload and notes
 * arrivals on `preciseNow`'s clock, so an arrival minus `sentAt[seq]` is the message's latency.
 */
export const startSeqReceiver = (options: { delayMs?: number } = {}): Promise<ArrivalReceiver<number>> =>
  ArrivalReceiver.start<number>({ key: "seq", now: preciseNow, delayMs: options.delayMs });

/** ~300 bytes of payload: a typical small webhook body. */
const PAD = "x".repeat(256);

/**
 * An open-loop load generator: POSTs messages at a fixed rate whatever the server does (a client
 * does not stop sending because the server is restarting), numbering each message with a sequence
 * number carried in its payload (`{seq}`), so the receiver can tell which message arrived even
 * when the server never answered its POST.
 */
export class LoadGenerator {
  /** When each message's POST was sent (epoch ms, sub-millisecond: see `preciseNow`), by sequence number. */
  readonly sentAt: number[] = [];
  readonly outcomes = new Map<number, Outcome>();
  private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  private timer: NodeJS.Timeout | null = null;
  private inflight = 0;
  private readonly pending = new Set<Promise<void>>();
  private startedAt = 0;
  private stoppedAt = 0;
  private issued = 0;

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.tick(), 5);
  }

  /** Stops issuing and waits for every POST still in flight to end. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stoppedAt = Date.now();
    await Promise.all([...this.pending]);
  }

  /** Stops and closes the connections; safe to call more than once. */
  async close(): Promise<void> {
    await this.stop();
    if (!this.agent.closed) await this.agent.close();
  }

  get seconds(): number {
    return ((this.stoppedAt || Date.now()) - this.startedAt) / 1000;
  }

  /** Sequence numbers whose POST ended in `kind`. */
  seqs(kind: Outcome["kind"]): number[] {
    return [...this.outcomes].filter(([, o]) => o.kind === kind).map(([seq]) => seq);
  }

  count(kind: Outcome["kind"]): number {
    let n = 0;
    for (const o of this.outcomes.values()) if (o.kind === kind) n++;
    return n;
  }

  /** How many POSTs were issued so far. */
  get sent(): number {
    return this.issued;
  }

  /** Sends one message now and resolves with its outcome (also recorded). */
  async post(seq: number): Promise<Outcome> {
    this.sentAt[seq] = preciseNow();
    const body = JSON.stringify({ eventType: "reliability.test", payload: { seq, pad: PAD } });
    let outcome: Outcome;
    try {
      const res = await request(`${this.options.target()}/api/v1/app/${this.options.appFor(seq)}/msg`, {
        method: "POST",
        dispatcher: this.agent,
        headers: { authorization: `Bearer ${this.options.token}`, "content-type": "application/json" },
        body,
        headersTimeout: this.options.timeoutMs ?? 10_000,
        bodyTimeout: this.options.timeoutMs ?? 10_000,
      });
      const text = await res.body.text();
      if (res.statusCode === 202) outcome = { kind: "acked", msgId: (JSON.parse(text) as { id: string }).id };
      else {
        const retryAfter = res.headers["retry-after"];
        outcome = {
          kind: "refused",
          status: res.statusCode,
          body: text,
          retryAfter: typeof retryAfter === "string" ? retryAfter : null,
        };
      }
    } catch (error) {
      const e = error as { code?: string; cause?: { code?: string }; message?: string };
      const code = e.code ?? e.cause?.code;
      outcome = code === "ECONNREFUSED" ? { kind: "down" } : { kind: "no_answer", error: `${code}: ${e.message}` };
    }
    this.outcomes.set(seq, outcome);
    return outcome;
  }

  private tick(): void {
    const due = Math.floor(((Date.now() - this.startedAt) / 1000) * this.options.ratePerSecond);
    while (this.issued < due && this.inflight < this.options.maxInFlight) {
      const seq = (this.options.firstSeq ?? 0) + this.issued++;
      this.inflight++;
      const p = this.post(seq).then(() => {
        this.inflight--;
        this.pending.delete(p);
      });
      this.pending.add(p);
    }
  }
}
