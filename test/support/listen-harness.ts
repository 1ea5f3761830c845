import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before } from "node:test";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./hookline.ts";
import { LISTEN_WAIT_MS, ListenProcess } from "./listen-process.ts";
import { Receiver, type ReceivedRequest } from "./receiver.ts";
import { waitUntil } from "./wait.ts";
import { attempts } from "./setup.ts";

type Attempts = Awaited<ReturnType<typeof attempts>>;

/**
 * What the `hookline listen` tests share (test/cli-listen*.test.ts): a real Hookline, a real local
 * server, and the real CLI as child processes, stopped after each test. The retry schedule is 1 s
 * then 10 minutes: a delivery the session missed twice waits for a long while unless something
 * (the session coming back) makes it due, so "it arrived" tells the behaviour apart from the
 * schedule. Call inside a describe().
 */
export function useListenHarness() {
  const running: ListenProcess[] = [];
  const homes: string[] = [];
  const t = {
    h: undefined as unknown as TestHookline,
    receiver: undefined as unknown as Receiver,

    /** A config home of its own per CLI user, so a session memory never leaks between tests. */
    home(): string {
      const dir = mkdtempSync(path.join(tmpdir(), "hookline-listen-home-"));
      homes.push(dir);
      return dir;
    },

    listen(args: string[], env: Record<string, string> = {}): ListenProcess {
      const p = ListenProcess.start(args, {
        HOOKLINE_URL: t.h.url,
        HOOKLINE_TOKEN: TEST_TOKEN,
        XDG_CONFIG_HOME: t.home(),
        ...env,
      });
      running.push(p);
      return p;
    },

    async newApp(): Promise<string> {
      const res = await t.h.api("POST", "/api/v1/app", { name: "Listen test" });
      assert.equal(res.status, 201, res.text);
      return res.body.id;
    },

    async send(appId: string, eventType: string, payload: unknown = { n: 1 }): Promise<string> {
      const res = await t.h.api("POST", `/api/v1/app/${appId}/msg`, { eventType, payload });
      assert.equal(res.status, 202, res.text);
      return res.body.id;
    },

    async secretOf(appId: string, endpointId: string): Promise<string> {
      const res = await t.h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`);
      assert.equal(res.status, 200, res.text);
      return res.body.key;
    },

    arrivalsOf: (msgId: string) => t.receiver.requests.filter((r) => r.headers["webhook-id"] === msgId),

    async arrived(msgId: string, p: ListenProcess): Promise<ReceivedRequest> {
      await waitUntil(
        () => t.arrivalsOf(msgId).length > 0,
        LISTEN_WAIT_MS,
        `${msgId} at the local server\n${p.describe()}`,
      );
      return t.arrivalsOf(msgId)[0]!;
    },

    async attemptsUntil(appId: string, msgId: string, check: (a: Attempts) => boolean): Promise<Attempts> {
      let last: Attempts = [];
      await waitUntil(
        async () => check((last = await attempts(t.h, appId, msgId))),
        LISTEN_WAIT_MS,
        `the attempts of ${msgId}: ${JSON.stringify(last)}`,
        100,
      );
      return last;
    },
  };

  before(async () => {
    t.receiver = await Receiver.start();
    t.h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "1,600,600" });
    for (const name of ["invoice.paid", "invoice.voided", "user.created"]) {
      const res = await t.h.api("POST", "/api/v1/event-type", { name, description: name });
      assert.equal(res.status, 201, res.text);
    }
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });
  after(async () => {
    await t.h?.close();
    await t.receiver?.close();
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });
  return t;
}
