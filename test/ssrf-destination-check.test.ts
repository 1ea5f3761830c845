import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressPolicy } from "../src/delivery/ssrf/address-policy.ts";
import { destinationRefusal } from "../src/delivery/ssrf/destination-check.ts";
import type { Resolver } from "../src/delivery/ssrf/guarded-connector.ts";

/** How an endpoint URL is judged as it is set (src/delivery/ssrf/destination-check.ts), with resolution substituted. */
describe("judging an endpoint URL as it is set", () => {
  const resolvingTo =
    (...addresses: string[]): Resolver =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  const policy = new AddressPolicy(["10.0.0.0/8:443"]);

  it("refuses a name when any of its addresses would be refused, without naming the address", async () => {
    const refusal = await destinationRefusal(new URL("https://hooks.internal/x"), policy, {
      resolver: resolvingTo("93.184.216.34", "192.168.1.5"),
    });
    assert.match(String(refusal), /delivery would refuse hooks\.internal: it resolves to a private address/);
    assert.doesNotMatch(String(refusal), /192\.168/);
  });

  it("accepts a name whose addresses are all public or allow-listed for the URL's port", async () => {
    const resolver = resolvingTo("93.184.216.34", "10.1.2.3");
    assert.equal(await destinationRefusal(new URL("https://hooks.example/x"), policy, { resolver }), null);
    const otherPort = await destinationRefusal(new URL("http://hooks.example/x"), policy, { resolver });
    assert.match(String(otherPort), /port 80 is not open/);
  });

  it("accepts a name that does not resolve, or not in time: delivery checks again", async () => {
    const failing: Resolver = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const hanging: Resolver = () => new Promise(() => {});
    assert.equal(await destinationRefusal(new URL("https://nowhere.invalid/"), policy, { resolver: failing }), null);
    const started = Date.now();
    const late = await destinationRefusal(new URL("https://slow.example/"), policy, {
      resolver: hanging,
      timeoutMs: 50,
    });
    assert.equal(late, null);
    assert.ok(Date.now() - started < 10_000, "the lookup's wait is bounded");
  });

  it("judges an address as written, after URL normalisation, and names the entry that would open it", async () => {
    const refusal = await destinationRefusal(new URL("http://0x7f.1:9000/"), policy);
    assert.match(String(refusal), /127\.0\.0\.1 \(loopback\).*127\.0\.0\.1:9000/);
    const v6 = await destinationRefusal(new URL("http://[fd00::1]:8443/"), policy);
    assert.match(String(v6), /\[fd00::1\]:8443/);
    assert.equal(await destinationRefusal(new URL("https://10.9.9.9/"), policy), null);
  });
});
