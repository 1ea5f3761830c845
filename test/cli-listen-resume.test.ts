import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CuttableProxy, LISTEN_WAIT_MS } from "./support/listen-process.ts";
import { useListenHarness } from "./support/listen-harness.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * `hookline listen` sessions that outlive a killed CLI and a dropped network: nothing that arrived
 * meanwhile is lost (test/support/listen-harness.ts).
 */
describe("hookline listen: sessions that survive the CLI's restart and network drops", () => {
  const t = useListenHarness();

  it("keeps what arrives while the CLI is killed and delivers it when the CLI runs again", async () => {
    t.receiver.respond(() => ({ status: 200 }));
    const appId = await t.newApp();
    const configHome = t.home();
    const target = `${t.receiver.url}/restart`;
    const first = t.listen([target, "--app", appId], { XDG_CONFIG_HOME: configHome });
    const { sessionId, endpointId } = await first.session();
    const before = await t.send(appId, "invoice.paid");
    await t.arrived(before, first);

    first.signal("SIGKILL");
    await first.exited;
    const waiting = [await t.send(appId, "invoice.paid"), await t.send(appId, "invoice.voided")];
    // Both were attempted while nobody listened: failures, as for an endpoint that is down. After
    // the second, the next retry is 10 minutes away: only the session coming back brings them sooner.
    for (const msgId of waiting) {
      const failed = await t.attemptsUntil(appId, msgId, (a) => a.length >= 2);
      assert.deepEqual(
        failed.map((a) => a.responseStatusCode),
        [0, 0],
      );
      assert.match(failed[0]!.response, /not connected/);
    }

    // The same command again resumes the session (the CLI remembers it per server, app and URL).
    const second = t.listen([target, "--app", appId], { XDG_CONFIG_HOME: configHome });
    const resumed = await second.session();
    assert.deepEqual(resumed, { sessionId, endpointId, resumed: true });
    for (const msgId of waiting) await t.arrived(msgId, second);
    for (const msgId of waiting) {
      const log = await t.attemptsUntil(appId, msgId, (a) => a.some((x) => x.responseStatusCode === 200));
      assert.equal(log.at(-1)!.responseStatusCode, 200);
    }
    const endpoints = await t.h.api("GET", `/api/v1/app/${appId}/endpoint`);
    assert.equal(endpoints.body.data.length, 1, "no second endpoint was created");
  });

  it("reconnects after a network drop and delivers what was sent meanwhile", async () => {
    t.receiver.respond(() => ({ status: 200 }));
    const proxy = await CuttableProxy.start(t.h.url);
    try {
      const appId = await t.newApp();
      const p = t.listen([`${t.receiver.url}/drop`, "--app", appId], { HOOKLINE_URL: proxy.url });
      const { sessionId } = await p.session();
      await proxy.cut();
      await waitUntil(
        () => !t.h.ctx.listenSessions!.isConnected(sessionId),
        LISTEN_WAIT_MS,
        "the server to see the drop",
      );
      const msgId = await t.send(appId, "invoice.paid");
      // Two failed attempts: the next retry is 10 minutes away, so the reconnect must bring it.
      await t.attemptsUntil(appId, msgId, (a) => a.length >= 2);
      await proxy.restore();
      await t.arrived(msgId, p);
      assert.match(p.stderr, /reconnecting in/);
      assert.match(p.stderr, /resumed session/, "the same session came back");
    } finally {
      await proxy.close();
    }
  });
});
