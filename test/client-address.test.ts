import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressSet, parseAddressList, parseAddressRange, parseClientAddress } from "../src/access/address-set.ts";
import { forwardedChain, resolveClientAddress } from "../src/access/client-address.ts";

const set = (...entries: string[]): AddressSet => {
  const parsed = parseAddressList(entries);
  if (!(parsed instanceof AddressSet)) assert.fail(parsed.reason);
  return parsed;
};
const has = (s: AddressSet, address: string) => s.has(parseClientAddress(address)!);

describe("address sets", () => {
  it("match IPv4 and IPv6 ranges at their edges, and single addresses", () => {
    const s = set("192.0.2.0/24", "198.51.100.7", "2001:db8::/32", "::1");
    assert.ok(has(s, "192.0.2.0"));
    assert.ok(has(s, "192.0.2.255"));
    assert.ok(!has(s, "192.0.3.0"));
    assert.ok(!has(s, "192.0.1.255"));
    assert.ok(has(s, "198.51.100.7"));
    assert.ok(!has(s, "198.51.100.8"));
    assert.ok(has(s, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
    assert.ok(!has(s, "2001:db9::"));
    assert.ok(has(s, "::1"));
    assert.ok(!has(s, "::2"));
  });

  it("count an IPv4-mapped IPv6 client as its IPv4 address, and a mapped range as an IPv4 range", () => {
    assert.ok(has(set("10.0.0.0/8"), "::ffff:10.1.2.3"));
    assert.ok(has(set("::ffff:10.0.0.0/104"), "10.200.0.1"));
    assert.ok(!has(set("10.0.0.0/8"), "::ffff:11.0.0.1"));
  });

  it("merge overlapping and adjacent ranges without losing any address", () => {
    const s = set("10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.0.3.0/24", "0.0.0.0/32");
    for (const inside of ["10.0.0.0", "10.0.1.255", "10.0.3.7", "0.0.0.0"]) assert.ok(has(s, inside), inside);
    for (const outside of ["10.0.2.0", "10.0.4.0", "0.0.0.1"]) assert.ok(!has(s, outside), outside);
    assert.equal(s.entryFor(parseClientAddress("10.0.0.200")!), "10.0.0.0/24");
  });

  it("agree with a plain scan over many random ranges", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const entries = Array.from({ length: 500 }, () => {
      const a = Math.floor(random() * 2 ** 32) >>> 0;
      const bits = 8 + Math.floor(random() * 25);
      return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${bits}`;
    });
    const s = set(...entries);
    const ranges = entries.map((e) => parseAddressRange(e) as { first: number; last: number });
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor(random() * 2 ** 32) >>> 0;
      const text = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
      assert.equal(
        has(s, text),
        ranges.some((r) => r.first <= a && a <= r.last),
        text,
      );
    }
  });

  it("refuse malformed entries with a reason that names them", () => {
    for (const bad of [
      "10.0.0.0/33",
      "fe80::/129",
      "127.1",
      "10/8",
      "10.0.0.0/8/8",
      "example.com",
      "10.0.0.0/-1",
      "",
    ]) {
      const parsed = parseAddressRange(bad);
      assert.equal(typeof parsed, "string", bad);
      assert.ok((parsed as string).includes(`"${bad}"`));
    }
    const list = parseAddressList(["10.0.0.0/8", "nope"]);
    assert.ok(!(list instanceof AddressSet));
    assert.equal(list.index, 1);
  });
});

describe("client address resolution", () => {
  const trusted = set("10.0.0.0/8");
  const none = set();

  it("is the socket's peer when no proxy is trusted, whatever the headers say", () => {
    assert.equal(resolveClientAddress("203.0.113.9", { "x-forwarded-for": "198.51.100.1" }, none), "203.0.113.9");
    assert.equal(resolveClientAddress("::ffff:203.0.113.9", {}, none), "203.0.113.9");
  });

  it("ignores the headers of an untrusted peer", () => {
    const headers = { "x-forwarded-for": "198.51.100.1", forwarded: "for=198.51.100.1" };
    assert.equal(resolveClientAddress("203.0.113.9", headers, trusted), "203.0.113.9");
  });

  it("walks right to left over trusted hops only", () => {
    // client spoofs 198.51.100.1; edge proxy 10.0.0.5 appended the client's real 203.0.113.9; inner proxy 10.0.0.6 appended 10.0.0.5.
    const headers = { "x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.0.0.5" };
    assert.equal(resolveClientAddress("10.0.0.6", headers, trusted), "203.0.113.9");
    assert.equal(
      resolveClientAddress("10.0.0.6", { "x-forwarded-for": ["198.51.100.1", "203.0.113.9"] }, trusted),
      "203.0.113.9",
    );
  });

  it("stops at an entry that is not an address", () => {
    assert.equal(resolveClientAddress("10.0.0.6", { "x-forwarded-for": "unknown, 10.0.0.5" }, trusted), "10.0.0.5");
  });

  it("keeps the last trusted hop when every hop is trusted", () => {
    assert.equal(resolveClientAddress("10.0.0.6", { "x-forwarded-for": "10.0.0.4, 10.0.0.5" }, trusted), "10.0.0.4");
    assert.equal(resolveClientAddress("10.0.0.6", {}, trusted), "10.0.0.6");
  });

  it("reads RFC 7239 Forwarded when there is no X-Forwarded-For, with quotes, brackets and ports", () => {
    const headers = {
      forwarded: 'for=198.51.100.1;proto=https, for="[2001:db8::17]:4711";by=10.0.0.6, for=10.0.0.5:80',
    };
    assert.deepEqual(forwardedChain(headers), ["198.51.100.1", "2001:db8::17", "10.0.0.5"]);
    assert.equal(resolveClientAddress("10.0.0.6", headers, trusted), "2001:db8::17");
  });

  it("prefers X-Forwarded-For over Forwarded", () => {
    const headers = { "x-forwarded-for": "203.0.113.9", forwarded: "for=198.51.100.1" };
    assert.equal(resolveClientAddress("10.0.0.6", headers, trusted), "203.0.113.9");
  });
});
