import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import { after, before, describe, it } from "node:test";
import type { Endpoint } from "../src/core/entities.ts";
import { HttpSender } from "../src/delivery/http-sender.ts";
import { decide } from "../src/delivery/outcome.ts";
import { AddressPolicy, classifyAddress } from "../src/delivery/ssrf/address-policy.ts";
import { guardedLookup, SsrfBlockedError, type Resolver } from "../src/delivery/ssrf/guarded-connector.ts";
import { Receiver } from "./support/receiver.ts";

/**
 * The SSRF guard's address rules, over a corpus of addresses and URL spellings. Public addresses
 * are only classified here, never connected to: every request these tests make is either refused
 * before a socket opens or goes to a Receiver on 127.0.0.1.
 */

/** [address as written, expected category]; anything but "public" must be refused. */
const BLOCKED: [string, string][] = [
  // IPv4 loopback, including spellings the C resolver (inet_aton) accepts.
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["127.1", "loopback"],
  ["0x7f.1", "loopback"],
  ["0x7f000001", "loopback"],
  ["2130706433", "loopback"],
  ["017700000001", "loopback"],
  ["0177.0.0.1", "loopback"],
  // Unspecified (connecting to 0.0.0.0 reaches the local host on Linux).
  ["0.0.0.0", "unspecified"],
  ["0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  // RFC 1918.
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["012.0.0.1", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.254", "private"],
  ["192.168.1.1", "private"],
  ["3232235777", "private"],
  ["0xc0.0xa8.1.1", "private"],
  // Link-local, cloud metadata among it.
  ["169.254.169.254", "linkLocal"],
  ["169.254.0.1", "linkLocal"],
  ["0xa9fea9fe", "linkLocal"],
  ["2852039166", "linkLocal"],
  // CGNAT.
  ["100.64.0.1", "carrierGradeNat"],
  ["100.127.255.254", "carrierGradeNat"],
  // Multicast and broadcast.
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["255.255.255.255", "broadcast"],
  // Reserved, documentation, benchmarking.
  ["240.0.0.1", "reserved"],
  ["192.0.2.1", "reserved"],
  ["198.51.100.7", "reserved"],
  ["203.0.113.9", "reserved"],
  ["198.18.0.1", "reserved"],
  ["192.0.0.8", "reserved"],
  // IPv6 loopback and unspecified.
  ["::1", "loopback"],
  ["[::1]", "loopback"],
  ["0:0:0:0:0:0:0:1", "loopback"],
  ["::", "unspecified"],
  // IPv6 unique-local, link-local, site-local, multicast.
  ["fc00::1", "uniqueLocal"],
  ["fd12:3456:789a::1", "uniqueLocal"],
  ["fe80::1", "linkLocal"],
  ["fe80::1%eth0", "linkLocal"],
  ["febf:ffff::1", "linkLocal"],
  ["fec0::1", "deprecatedSiteLocal"],
  ["ff02::1", "multicast"],
  ["ff05::1:3", "multicast"],
  // IPv4-mapped IPv6: judged as the IPv4 address it is.
  ["::ffff:127.0.0.1", "ipv4Mapped(loopback)"],
  ["::ffff:7f00:1", "ipv4Mapped(loopback)"],
  ["0:0:0:0:0:ffff:7f00:1", "ipv4Mapped(loopback)"],
  ["::ffff:10.0.0.1", "ipv4Mapped(private)"],
  ["::ffff:169.254.169.254", "ipv4Mapped(linkLocal)"],
  ["::ffff:0.0.0.0", "ipv4Mapped(unspecified)"],
  // IPv4 embedded in NAT64 and 6to4 addresses.
  ["64:ff9b::127.0.0.1", "nat64(loopback)"],
  ["64:ff9b::a9fe:a9fe", "nat64(linkLocal)"],
  ["2002:7f00:1::", "6to4(loopback)"],
  ["2002:c0a8:101::1", "6to4(private)"],
  // IPv4-compatible (deprecated), translated, Teredo, documentation, discard, local-use NAT64.
  ["::127.0.0.1", "reserved"],
  ["::7f00:1", "reserved"],
  ["::ffff:0:7f00:1", "rfc6145"],
  ["2001::1", "teredo"],
  ["2001:db8::1", "reserved"],
  ["100::1", "discard"],
  ["64:ff9b:1::1", "rfc6052"],
  // Not addresses at all: never public.
  ["", "invalid"],
  ["not-an-ip", "invalid"],
  ["1.2.3.4.5", "invalid"],
  ["::g", "invalid"],
  ["256.0.0.1", "invalid"],
];

const PUBLIC: string[] = [
  "93.184.216.34",
  "1.1.1.1",
  "8.8.8.8",
  "11.0.0.1",
  "172.32.0.1",
  "172.15.255.255",
  "100.128.0.1",
  "100.63.255.255",
  "169.255.0.1",
  "192.169.0.1",
  "223.255.255.254",
  "2606:4700::1111",
  "2001:4860:4860::8888",
  "2a00:1450:4001:80b::200e",
  "::ffff:93.184.216.34",
  "64:ff9b::93.184.216.34",
  "2002:5db8:d822::1",
];

describe("SSRF guard: address classification", () => {
  it(`refuses every non-public address in the corpus (${BLOCKED.length} entries)`, () => {
    const policy = new AddressPolicy();
    for (const [input, category] of BLOCKED) {
      assert.equal(classifyAddress(input).category, category, `category of ${JSON.stringify(input)}`);
      const verdict = policy.check(input);
      assert.equal(verdict.allowed, false, `${JSON.stringify(input)} must be refused`);
    }
  });

  it(`allows public addresses (${PUBLIC.length} entries), with or without an allow-list`, () => {
    for (const policy of [new AddressPolicy(), new AddressPolicy(["10.0.0.0/8"])]) {
      for (const input of PUBLIC) {
        const verdict = policy.check(input);
        assert.equal(verdict.category, "public", input);
        assert.equal(verdict.allowed, true, input);
        assert.equal(verdict.viaAllowList, false, input);
      }
    }
  });

  it("normalises what it reports: odd spellings show the address they mean", () => {
    assert.equal(classifyAddress("0x7f.1").address, "127.0.0.1");
    assert.equal(classifyAddress("2130706433").address, "127.0.0.1");
    assert.equal(classifyAddress("[::1]").address, "::1");
    assert.equal(classifyAddress("::ffff:127.0.0.1").address, "::ffff:7f00:1");
  });
});

describe("SSRF guard: allow-list (HOOKLINE_ALLOW_PRIVATE_NETWORKS)", () => {
  it("opens exactly the listed ranges", () => {
    const policy = new AddressPolicy(["10.0.0.0/8", "::1/128", "192.168.1.5", "fd00::/8"]);
    const cases: [string, boolean][] = [
      ["10.0.0.1", true],
      ["10.255.255.254", true],
      ["012.0.0.1", true],
      ["::1", true],
      ["192.168.1.5", true],
      ["192.168.1.6", false],
      ["fd12::1", true],
      ["fc00::1", false],
      ["127.0.0.1", false],
      ["169.254.169.254", false],
      ["172.16.0.1", false],
      ["::", false],
    ];
    for (const [input, allowed] of cases) {
      const verdict = policy.check(input);
      assert.equal(verdict.allowed, allowed, input);
      assert.equal(verdict.viaAllowList, allowed, input);
    }
  });

  it("matches IPv4-mapped IPv6 addresses as IPv4, in addresses and in CIDRs", () => {
    const loopback = new AddressPolicy(["127.0.0.0/8"]);
    assert.equal(loopback.check("::ffff:127.0.0.1").allowed, true);
    assert.equal(loopback.check("::ffff:7f00:2").allowed, true);
    assert.equal(loopback.check("::1").allowed, false, "IPv6 loopback is another range");
    assert.equal(loopback.check("0.0.0.0").allowed, false, "0.0.0.0 is not in 127.0.0.0/8");
    assert.equal(loopback.check("64:ff9b::127.0.0.1").allowed, false, "NAT64 is not the IPv4 address itself");
    const mappedCidr = new AddressPolicy(["::ffff:10.0.0.0/104"]);
    assert.equal(mappedCidr.check("10.1.2.3").allowed, true);
    assert.equal(mappedCidr.check("::ffff:10.1.2.3").allowed, true);
    assert.equal(mappedCidr.check("11.1.2.3").allowed, true, "public anyway");
    assert.equal(mappedCidr.check("192.168.0.1").allowed, false);
  });

  it("keeps families apart and never lets an unparseable address through", () => {
    const v4all = new AddressPolicy(["0.0.0.0/0"]);
    assert.equal(v4all.check("192.168.0.1").allowed, true);
    assert.equal(v4all.check("fd00::1").allowed, false);
    assert.equal(v4all.check("not-an-ip").allowed, false);
    assert.deepEqual(new AddressPolicy(["10.0.0.0/8", "::1"]).allowList, ["10.0.0.0/8", "::1/128"]);
  });
});

/** A resolver that answers from a table and counts how often it was asked. */
function fakeResolver(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
}

function lookupOnce(
  lookup: ReturnType<typeof guardedLookup>,
  host: string,
  all: boolean,
): Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }> {
  return new Promise((resolve) =>
    lookup(host, { all }, (error, address, family) => resolve({ error, address, family })),
  );
}

describe("SSRF guard: resolution", () => {
  const names = {
    "mixed.test": ["93.184.216.34", "127.0.0.1"],
    "mixed6.test": ["2606:4700::1111", "fd00::1"],
    "metadata.test": ["169.254.169.254"],
    "mapped.test": ["::ffff:192.168.0.1"],
    "public.test": ["93.184.216.34", "2606:4700::1111"],
  };

  it("refuses a name when ANY of its addresses is not public (mixed answers are a rebinding trick)", async () => {
    const lookup = guardedLookup(new AddressPolicy(), fakeResolver(names));
    for (const host of ["mixed.test", "mixed6.test", "metadata.test", "mapped.test"]) {
      for (const all of [true, false]) {
        const { error } = await lookupOnce(lookup, host, all);
        assert.ok(error instanceof SsrfBlockedError, `${host} (all: ${all}) must be refused`);
        assert.match(error.message, new RegExp(`refused to connect to ${host.replace(".", "\\.")}: it resolves to`));
      }
    }
  });

  it("hands the checked addresses themselves to the socket", async () => {
    const lookup = guardedLookup(new AddressPolicy(), fakeResolver(names));
    const all = await lookupOnce(lookup, "public.test", true);
    assert.equal(all.error, null);
    assert.deepEqual(all.address, [
      { address: "93.184.216.34", family: 4 },
      { address: "2606:4700::1111", family: 6 },
    ]);
    const one = await lookupOnce(lookup, "public.test", false);
    assert.deepEqual([one.error, one.address, one.family], [null, "93.184.216.34", 4]);
  });

  it("passes a failed resolution through as a DNS error, not as a refusal", async () => {
    const lookup = guardedLookup(new AddressPolicy(), fakeResolver(names));
    const { error } = await lookupOnce(lookup, "nx.test", true);
    assert.equal(error?.code, "ENOTFOUND");
    assert.ok(!(error instanceof SsrfBlockedError));
  });
});

describe("SSRF guard: URLs through the sender", () => {
  let receiver: Receiver;
  let port: number;
  const resolver = fakeResolver({
    "mixed.test": ["93.184.216.34", "127.0.0.1"],
    "rebind.test": ["10.0.0.5"],
    "metadata.test": ["169.254.169.254"],
    "v6.test": ["fd00::1"],
    "mapped.test": ["::ffff:192.168.0.1"],
    "loopback.test": ["127.0.0.1"],
    // What /etc/hosts usually says; the system resolver is not used in this suite.
    localhost: ["127.0.0.1", "::1"],
  });
  const senders: HttpSender[] = [];
  const sender = (allow: string[] = []) => {
    const s = new HttpSender(2000, 2, { allowPrivateNetworks: allow, resolver });
    senders.push(s);
    return s;
  };

  before(async () => {
    receiver = await Receiver.start();
    port = Number(new URL(receiver.url).port);
  });
  after(async () => {
    await Promise.all(senders.map((s) => s.close()));
    await receiver.close();
  });

  it("refuses every spelling of a non-public host before connecting (ssrf_blocked)", async () => {
    const urls = [
      `http://127.0.0.1:${port}/`,
      `http://127.1:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://2130706433:${port}/`,
      `http://017700000001:${port}/`,
      `http://0177.0.0.1:${port}/`,
      `http://127.0.0.1.:${port}/`,
      `http://%31%32%37.0.0.1:${port}/`,
      `http://127\u30020\u30020\u30021:${port}/`,
      `http://0:${port}/`,
      `http://0.0.0.0:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::]:${port}/`,
      `http://[0:0:0:0:0:0:0:1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://[::127.0.0.1]:${port}/`,
      `http://[64:ff9b::127.0.0.1]:${port}/`,
      `http://[fe80::1]:${port}/`,
      `http://[fd00::1]:${port}/`,
      `http://localhost:${port}/`,
      `http://LOCALHOST:${port}/`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://[::ffff:169.254.169.254]/latest/meta-data/`,
      `http://10.0.0.1/`,
      `http://192.168.0.1/`,
      `http://100.64.0.1/`,
      `http://224.0.0.1/`,
      `http://255.255.255.255/`,
      `https://127.0.0.1:${port}/`,
      `https://localhost:${port}/`,
      `http://mixed.test:${port}/`,
      `http://rebind.test/`,
      `http://metadata.test/`,
      `http://v6.test/`,
      `http://mapped.test/`,
      `https://mapped.test/`,
    ];
    const s = sender();
    for (const url of urls) {
      const result = await s.post(url, { "content-type": "text/plain" }, "x");
      assert.equal(result.errorKind, "ssrf_blocked", `${url}: ${result.body}`);
      assert.equal(result.statusCode, 0);
      // The tenant's text is neutral; the detail is for the operator's log only.
      assert.equal(result.body, "refused: the destination is not a public address");
      assert.match(result.operatorDetail ?? "", /not a globally routable address/);
    }
    const options = await s.options(`http://127.1:${port}/`, {});
    assert.equal(options.errorKind, "ssrf_blocked", "the CloudEvents handshake is guarded too");
    assert.equal(receiver.requests.length, 0, "nothing reached the loopback receiver");
  });

  it("a name that does not resolve is a dns error, not ssrf_blocked", async () => {
    const result = await sender().post("http://nx.test/", {}, "x");
    assert.equal(result.errorKind, "dns", result.body);
  });

  it("with the range allow-listed, reaches the receiver at the address the guard resolved (one lookup)", async () => {
    const s = sender(["127.0.0.0/8"]);
    const before = receiver.requests.length;
    for (const url of [
      `http://127.0.0.1:${port}/a`,
      `http://127.1:${port}/b`,
      `http://2130706433:${port}/c`,
      `http://[::ffff:127.0.0.1]:${port}/d`,
    ]) {
      const result = await s.post(url, {}, "x");
      assert.equal(result.statusCode, 200, `${url}: ${result.body}`);
    }
    // loopback.test exists only in the fake resolver: reaching the receiver proves the socket
    // connected to the address the guard checked, without a second (system) lookup.
    resolver.calls.length = 0;
    const pinned = await s.post(`http://loopback.test:${port}/e`, {}, "x");
    assert.equal(pinned.statusCode, 200, pinned.body);
    assert.deepEqual(resolver.calls, ["loopback.test"]);
    assert.equal(receiver.requests.at(-1)?.headers.host, `loopback.test:${port}`, "the Host header keeps the name");
    assert.deepEqual(
      receiver.requests.slice(before).map((r) => r.path),
      ["/a", "/b", "/c", "/d", "/e"],
    );
    // Allowing 127.0.0.0/8 does not open anything else.
    for (const url of ["http://rebind.test/", "http://metadata.test/", "http://[::1]/", "http://v6.test/"]) {
      assert.equal((await s.post(url, {}, "x")).errorKind, "ssrf_blocked", url);
    }
  });
});

describe("SSRF guard: outcome", () => {
  const endpoint = { failingSince: null } as unknown as Endpoint;
  it("a refused delivery fails for good without retries or touching the endpoint's health", () => {
    for (const failingSince of [null, 1_000]) {
      const decision = decide({
        result: { statusCode: 0, body: "refused", durationMs: 0, errorKind: "ssrf_blocked", headers: {} },
        endpoint: { ...endpoint, failingSince },
        attemptsBefore: 0,
        trigger: 0,
        now: 1_000_000_000,
        retryScheduleSeconds: [5, 300],
        endpointDisableAfterMs: 1,
      });
      assert.deepEqual(decision, {
        status: 2,
        nextAttemptAt: null,
        errorKind: "ssrf_blocked",
        endpointFailingSince: failingSince,
        disableEndpoint: false,
      });
    }
  });
});
