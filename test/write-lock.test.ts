/**
 * The write lock shared by the event loop's group commit and the retention thread: the event
 * loop waits for it without blocking, the thread blocks, and each gets it once the other lets go.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { EVENT_LOOP, FREE, RETENTION_THREAD, WriteLock } from "../src/store/sqlite/write-lock.ts";

const LOCK_MODULE = new URL("../src/store/sqlite/write-lock.ts", import.meta.url).href;

/** A real second thread: takes the lock (blocking), says so, and lets go when told. */
function lockingThread(buffer: SharedArrayBuffer): Worker {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
      .then((tsx) => { tsx.register(); return import(${JSON.stringify(LOCK_MODULE)}); })
      .then(({ WriteLock, RETENTION_THREAD }) => {
        const lock = new WriteLock(workerData);
        parentPort.postMessage("starting");
        lock.acquireBlocking(RETENTION_THREAD);
        parentPort.postMessage("held");
        parentPort.once("message", () => { lock.release(RETENTION_THREAD); parentPort.close(); });
      });`;
  return new Worker(code, { eval: true, workerData: buffer, execArgv: [] });
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

test("the event loop waits for the thread's hold without blocking, and the thread for the event loop's", async () => {
  const lock = new WriteLock();
  assert.equal(lock.tryAcquire(EVENT_LOOP), true);
  const thread = lockingThread(lock.buffer);
  const messages: string[] = [];
  thread.on("message", (m: string) => messages.push(m));
  await once(thread, "message");
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(messages, ["starting"], "the thread waits while the event loop holds the lock");

  lock.release(EVENT_LOOP);
  await once(thread, "message");
  assert.deepEqual(messages, ["starting", "held"]);
  assert.equal(lock.holder, RETENTION_THREAD);

  let acquired = false;
  const waiting = lock.acquire(EVENT_LOOP).then(() => (acquired = true));
  let timerRan = false;
  setTimeout(() => (timerRan = true), 5);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(timerRan, true, "timers run while the event loop waits for the lock");
  assert.equal(acquired, false);

  thread.postMessage("release");
  await waiting;
  assert.equal(lock.holder, EVENT_LOOP);
  lock.release(EVENT_LOOP);
  assert.equal(lock.holder, FREE);
  await once(thread, "exit");
});

test("only the holder can let go, and a free lock is taken at once", async () => {
  const lock = new WriteLock();
  assert.equal(lock.tryAcquire(RETENTION_THREAD), true);
  assert.equal(lock.tryAcquire(EVENT_LOOP), false);
  lock.release(EVENT_LOOP);
  assert.equal(lock.holder, RETENTION_THREAD, "releasing someone else's hold does nothing");
  let acquired = false;
  void lock.acquire(EVENT_LOOP).then(() => (acquired = true));
  await turns(3);
  assert.equal(acquired, false);
  lock.release(RETENTION_THREAD);
  await turns(3);
  assert.equal(acquired, true);
  lock.release(EVENT_LOOP);
  await lock.acquire(RETENTION_THREAD);
  assert.equal(lock.holder, RETENTION_THREAD);
});
