/**
 * Who may write to the SQLite file next: the event loop's group commit or the retention thread
 * (retention-thread.ts), each with its own connection. SQLite lets one connection write at a time
 * and makes the other wait in its busy handler, which sleeps the calling thread (1, 2, 5, 10 ms
 * steps): on the event loop that would stop every request and delivery of the process. Taking this
 * lock first, the event loop waits for it asynchronously and only ever begins a write transaction
 * that SQLite grants at once; the retention thread may block, nothing else runs on it.
 *
 * One Int32 in a SharedArrayBuffer: 0 when free, otherwise the holder's tag.
 */
export const FREE = 0;
export const EVENT_LOOP = 1;
export const RETENTION_THREAD = 2;
type Holder = typeof EVENT_LOOP | typeof RETENTION_THREAD;

type WaitAsyncResult = { async: false; value: string } | { async: true; value: Promise<string> };
// Node 20 has Atomics.waitAsync; TypeScript declares it only from lib ES2024 (this project targets ES2022).
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): WaitAsyncResult }).waitAsync;

export class WriteLock {
  private readonly word: Int32Array;

  /** Pass the buffer of the lock of the other thread to share it; without one, a new free lock. */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.word = new Int32Array(buffer, 0, 1);
  }

  tryAcquire(holder: Holder): boolean {
    return Atomics.compareExchange(this.word, 0, FREE, holder) === FREE;
  }

  /** For the event loop: resolves once the lock is taken, without blocking the thread meanwhile. */
  async acquire(holder: Holder): Promise<void> {
    for (;;) {
      const seen = Atomics.load(this.word, 0);
      if (seen === FREE) {
        if (this.tryAcquire(holder)) return;
        continue;
      }
      const wait = waitAsync(this.word, 0, seen);
      if (wait.async) await wait.value;
    }
  }

  /** For the retention thread only: sleeps the calling thread until the lock is taken. */
  acquireBlocking(holder: Holder): void {
    for (;;) {
      const seen = Atomics.load(this.word, 0);
      if (seen === FREE) {
        if (this.tryAcquire(holder)) return;
        continue;
      }
      Atomics.wait(this.word, 0, seen);
    }
  }

  release(holder: Holder): void {
    if (Atomics.compareExchange(this.word, 0, holder, FREE) === holder) Atomics.notify(this.word, 0);
  }

  /** The holder at this moment (FREE when none); for tests and for freeing a lock whose thread died. */
  get holder(): number {
    return Atomics.load(this.word, 0);
  }
}
