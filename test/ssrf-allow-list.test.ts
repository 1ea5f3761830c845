import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { AddressPolicy } from "../src/delivery/ssrf/address-policy.ts";
import { parseAllowEntry } from "../src/delivery/ssrf/allow-list.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { freePort } from "./support/server-process.ts";
import { appWithEndpoint, attempts, sendMessage, storeEndpointUrl } from "./support/setup.ts";

/**
 * HOOKLINE_ALLOW_PRIVATE_NETWORKS with ports: `address:port` and `cidr:port` open one port, a
 * plain address or CIDR every port, and none of them Hookline's own API unless an entry names
 * exactly that address and port.
 */
describe("allow-list entries", () => {
  it("reads addresses, CIDRs and either with a port, IPv6 in brackets", () => {
    const shown = new AddressPolicy([
      "10.0.0.0/8",
      "192.168.1.5",
      "127.0.0.1:9000",
      "10.0.0.0/8:443",
      "fd00::/8",
      "[::1]:9000",
      "[fd00::/8]:443",
      "[::1]",
      "::ffff:10.0.0.0/104",
    ]).allowList;
    assert.deepEqual(shown, [
      "10.0.0.0/8",
      "192.168.1.5/32",
      "127.0.0.1/32:9000",
      "10.0.0.0/8:443",
      "fd00::/8",
      "[::1/128]:9000",
      "[fd00::/8]:443",
      "::1/128",
      "10.0.0.0/8",
    ]);
  });

  it("refuses a malformed entry with a message that names it", () => {
    for (const entry of [
      "127.0.0.1:0",
      "127.0.0.1:65536",
      "127.0.0.1:80:80",
      "10.0.0.0/8:",
      "10.0.0.0/33:80",
      "[::1]9000",
      "[::1:9000",
      "[127.0.0.1]:80",
      "127.1:9000",
      "intranet:80",
    ]) {
      assert.throws(() => parseAllowEntry(entry), new RegExp(`"${entry.replace(/[[\]./]/g, "\\$&")}" is not`), entry);
    }
  });

  it("opens only the named port of an address:port or cidr:port entry", () => {
    const policy = new AddressPolicy(["127.0.0.1:9000", "10.0.0.0/8:443", "[fd00::/8]:443", "[::1]:9000"]);
    const cases: [string, number, boolean][] = [
      ["127.0.0.1", 9000, true],
      ["::ffff:127.0.0.1", 9000, true],
      ["127.0.0.1", 9001, false],
      ["127.0.0.1", 80, false],
      ["127.0.0.2", 9000, false],
      ["10.20.30.40", 443, true],
      ["10.20.30.40", 80, false],
      ["fd12::1", 443, true],
      ["fd12::1", 8443, false],
      ["::1", 9000, true],
      ["::1", 9001, false],
    ];
    for (const [address, port, allowed] of cases) {
      const verdict = policy.check(address, port);
      assert.equal(verdict.allowed, allowed, `${address} port ${port}`);
      if (!allowed) assert.match(verdict.reason ?? "", /port|not a globally routable/, `${address} port ${port}`);
    }
    assert.match(policy.check("127.0.0.1", 9001).reason!, /port 9001 is not open/);
  });

  it("never opens Hookline's own API through a range or an all-ports entry", () => {
    const ranges = new AddressPolicy(["127.0.0.0/8", "127.0.0.1", "::1/128"]);
    ranges.protectListener({ host: "127.0.0.1", port: 8080 });
    assert.equal(ranges.check("127.0.0.1", 8080).allowed, false);
    assert.match(ranges.check("127.0.0.1", 8080).reason!, /Hookline's own API/);
    assert.equal(ranges.check("::ffff:127.0.0.1", 8080).allowed, false, "the same socket, IPv4-mapped");
    assert.equal(ranges.check("127.0.0.1", 9000).allowed, true, "other ports stay open");
    assert.equal(ranges.check("127.0.0.2", 8080).allowed, true, "127.0.0.2 is not where the API listens");

    const anyPortOfTheHost = new AddressPolicy(["127.0.0.1/32"]);
    anyPortOfTheHost.protectListener({ host: "127.0.0.1", port: 8080 });
    assert.equal(anyPortOfTheHost.check("127.0.0.1", 8080).allowed, false, "an address without a port is not explicit");

    const explicit = new AddressPolicy(["127.0.0.0/8", "127.0.0.1:8080"]);
    explicit.protectListener({ host: "127.0.0.1", port: 8080 });
    assert.equal(explicit.check("127.0.0.1", 8080).allowed, true, "named exactly: allowed");

    const rangeWithPort = new AddressPolicy(["127.0.0.0/8:8080"]);
    rangeWithPort.protectListener({ host: "127.0.0.1", port: 8080 });
    assert.equal(rangeWithPort.check("127.0.0.1", 8080).allowed, false, "a range with the port is not exact");
  });

  it("protects every listener of its own: the API and the metrics port", () => {
    const policy = new AddressPolicy(["127.0.0.0/8"]);
    policy.protectListener({ host: "127.0.0.1", port: 8080 });
    policy.protectListener({ host: "127.0.0.1", port: 9464 });
    assert.equal(policy.check("127.0.0.1", 8080).allowed, false);
    assert.equal(policy.check("127.0.0.1", 9464).allowed, false);
    assert.equal(policy.check("127.0.0.1", 9000).allowed, true);
  });

  it("protects every local address when the API listens on all interfaces", () => {
    const policy = new AddressPolicy(["10.0.0.0/8", "127.0.0.0/8", "::1/128", "0.0.0.0/8"]);
    policy.protectListener({ host: "0.0.0.0", port: 8080, localAddresses: ["127.0.0.1", "10.1.2.3", "::1"] });
    for (const address of ["10.1.2.3", "127.0.0.1", "127.0.0.53", "::ffff:127.0.0.53", "::1", "0.0.0.0"]) {
      assert.equal(policy.check(address, 8080).allowed, false, address);
    }
    assert.equal(policy.check("10.1.2.4", 8080).allowed, true, "another machine's 8080");
    assert.equal(policy.check("10.1.2.3", 9000).allowed, true, "another port of this machine");
  });
});

describe("allow-list ports in delivery", () => {
  const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  let receiver: Receiver;
  let other: Receiver;
  const instances: TestHookline[] = [];

  before(async () => {
    receiver = await Receiver.start();
    other = await Receiver.start();
  });
  after(async () => {
    await Promise.all(instances.map((h) => h.close()));
    await receiver?.close();
    await other?.close();
  });

  async function start(env: Record<string, string>) {
    const h = await startTestHookline(env, { clock, pollIntervalMs: 3_600_000 });
    instances.push(h);
    return h;
  }
  async function deliverTo(h: TestHookline, url: string) {
    const { appId } = await appWithEndpoint(h, url);
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();
    return (await attempts(h, appId, msgId))[0]!;
  }
  /** A URL the policy refuses: refused as the endpoint is set, and by delivery when stored past the API. */
  async function refusedTo(h: TestHookline, url: string) {
    const app = await h.api("POST", "/api/v1/app", { name: "refused" });
    const created = await h.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url });
    assert.equal(created.status, 422, `${url}: ${created.text}`);
    assert.equal(created.body.detail[0].type, "ssrf_blocked", created.text);
    const { appId, endpointId } = await appWithEndpoint(h, "http://hookline-test.invalid/");
    await storeEndpointUrl(h, appId, endpointId, url);
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();
    return (await attempts(h, appId, msgId))[0]!;
  }

  it("reaches the receiver's port and nothing else on the same address", async () => {
    const port = new URL(receiver.url).port;
    const h = await start({ HOOKLINE_ALLOW_PRIVATE_NETWORKS: `127.0.0.1:${port}` });
    const ok = await deliverTo(h, `${receiver.url}/scoped`);
    assert.equal(ok.responseStatusCode, 200, ok.response);
    assert.equal(receiver.requests.filter((r) => r.path === "/scoped").length, 1);

    const refused = await refusedTo(h, `${other.url}/other-port`);
    assert.equal(refused.errorKind, "ssrf_blocked");
    assert.equal(other.requests.length, 0, "the other port was never contacted");
    const api = await refusedTo(h, `${h.url}/api/v1/health`);
    assert.equal(api.errorKind, "ssrf_blocked", "nor Hookline's own API");
  });

  it("refuses its metrics listener under a plain loopback range", async () => {
    const guarded = await start({ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8", HOOKLINE_METRICS_PORT: "0" });
    const metrics = await refusedTo(guarded, guarded.metricsUrl!);
    assert.equal(metrics.errorKind, "ssrf_blocked", metrics.response);
    assert.equal(metrics.responseStatusCode, 0);
  });

  it("refuses its own API under a plain loopback range (the test default), and opens it only when named", async () => {
    const guarded = await start({ HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8" });
    const own = await refusedTo(guarded, `${guarded.url}/api/v1/app`);
    assert.equal(own.errorKind, "ssrf_blocked", own.response);
    assert.equal(own.responseStatusCode, 0);
    const receiverStill = await deliverTo(guarded, `${receiver.url}/range`);
    assert.equal(receiverStill.responseStatusCode, 200, "other loopback ports stay reachable");

    const apiPort = await freePort();
    const named = await start({
      HOOKLINE_PORT: String(apiPort),
      HOOKLINE_ALLOW_PRIVATE_NETWORKS: `127.0.0.0/8,127.0.0.1:${apiPort}`,
    });
    const reached = await deliverTo(named, `${named.url}/api/v1/app`);
    // The API answered (the webhook carries no token): the connection was allowed.
    assert.equal(reached.errorKind, "http_status", reached.response);
    assert.equal(reached.responseStatusCode, 401);
  });
});
