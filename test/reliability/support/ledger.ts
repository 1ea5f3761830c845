import type { ReceivedRequest } from "../../support/receiver.ts";

/**
 * The receiver's side of the books: which messages (by the `seq` in their payload) were answered
 * with a 2xx, how often and when. A 2xx is what tells Hookline the delivery succeeded, so a
 * message answered 2xx twice is a duplicate delivery.
 */
export class DeliveryLedger {
  /** Arrival times (Date.now()) of the 2xx-answered requests, by sequence number. */
  readonly successes = new Map<number, number[]>();

  static seqOf(req: ReceivedRequest): number {
    return (JSON.parse(req.body) as { seq: number }).seq;
  }

  /** Records that `req` is being answered with a 2xx. */
  success(req: ReceivedRequest): void {
    const seq = DeliveryLedger.seqOf(req);
    const times = this.successes.get(seq);
    if (times) times.push(req.at);
    else this.successes.set(seq, [req.at]);
  }

  has(seq: number): boolean {
    return this.successes.has(seq);
  }

  get delivered(): number {
    return this.successes.size;
  }

  /** Successful deliveries beyond the first, over all messages. */
  get duplicates(): number {
    let n = 0;
    for (const times of this.successes.values()) n += times.length - 1;
    return n;
  }

  /** The sequence numbers in `seqs` not delivered yet. */
  missing(seqs: Iterable<number>): number[] {
    return [...seqs].filter((s) => !this.successes.has(s));
  }
}
