import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Receiver } from "./support/receiver.ts";
import { killAllServers, mapConcurrent, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";
import { waitUntil, withTimeout } from "./support/wait.ts";

/**
 * The inbound gateway acknowledges a provider only once the event is durable: every request
 * answered 200 before a SIGKILL reaches the destination after a restart, byte for byte.
 */
const REQUESTS = 150;

const dirs: string[] = [];
const receivers: Receiver[] = [];
after(async () => {
  await killAllServers();
  await Promise.all(receivers.map((r) => r.close()));
  for (const d of dirs) removeDir(d);
});

test(
  "every inbound event acknowledged before a SIGKILL is forwarded after a restart",
  { timeout: 180_000 },
  async (t) => {
    const dataDir = tempDataDir("hookline-inbound-crash-");
    dirs.push(dataDir);
    const receiver = await Receiver.start();
    receivers.push(receiver);
    // Failing and slow until the crash, so every forward is still owed when the process dies.
    let crashed = false;
    receiver.respond(() => (crashed ? { status: 200 } : { status: 503, delayMs: 100 }));
    const env = { HOOKLINE_LEASE: "2", HOOKLINE_RETRY_SCHEDULE: Array(30).fill("1").join(",") };
    const first = await ServerProcess.start({ dataDir, env });
    t.after(() => first.stop().then(() => undefined));

    const source = await first.api("POST", "/ingest/api/v1/source", { name: "crash", type: "generic-webhook" });
    assert.equal(source.status, 201, source.text);
    const dest = await first.api("POST", `/ingest/api/v1/source/${source.body.id}/endpoint`, {
      url: `${receiver.url}/dest`,
    });
    assert.equal(dest.status, 201, dest.text);
    const path = new URL(source.body.ingestUrl as string).pathname;

    const acknowledged: string[] = [];
    await withTimeout(
      mapConcurrent(
        Array.from({ length: REQUESTS }, (_, i) => i),
        10,
        async (i) => {
          const body = `event=${i}&note=${"z".repeat(i % 17)}`;
          const res = await fetch(first.url + path, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body,
          });
          await res.text();
          if (res.status === 200) acknowledged.push(body);
        },
      ),
      30_000,
      "sending the inbound requests",
    );
    first.kill("SIGKILL");
    await withTimeout(first.exited, 5000, "the killed server to exit");
    crashed = true;
    assert.equal(acknowledged.length, REQUESTS);

    const second = await ServerProcess.start({ dataDir, env });
    t.after(() => second.stop().then(() => undefined));
    const deliveredBodies = () =>
      new Set(receiver.requests.filter((r) => r.path === "/dest" && r.at > 0).map((r) => r.body));
    const missing = () => acknowledged.filter((b) => !deliveredBodies().has(b));
    await waitUntil(() => missing().length === 0, 30_000, "every acknowledged inbound event to be forwarded").catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${missing().length} missing\n${second.diagnostics()}`);
      },
    );
    for (const r of receiver.requests) {
      assert.equal(r.headers["content-type"], "application/x-www-form-urlencoded");
      assert.ok(acknowledged.includes(r.body), "only acknowledged bodies arrive, unchanged");
    }
  },
);
