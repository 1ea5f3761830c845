import { spawnSync } from "node:child_process";

/**
 * A network namespace made by the test, joined to the host by two veth pairs: one the database is
 * reached over, one for everything else (the receiver, the test's own API calls). Cutting the
 * database link (`cutDatabase`) sets the host's end down: packets from the namespace to the
 * database are then dropped without an answer, as in a real partition, while the namespace still
 * reaches the receiver. Needs root and iptables-free kernel support only (netns and veth).
 */
export class NetworkNamespace {
  private constructor(
    readonly name: string,
    private readonly dbHostSide: string,
    /** The host's address on the database link (a server must listen on it) and the namespace's on the other link. */
    readonly databaseAddress: string,
    readonly hostAddress: string,
    readonly namespaceAddress: string,
    /** The /24 the namespace's addresses are in (pg_hba, the SSRF allow-list). */
    readonly databaseSubnet: string,
    readonly subnet: string,
  ) {}

  /** Why a namespace cannot be made here, or null if it can. */
  static unavailableReason(): string | null {
    if (process.getuid?.() !== 0) return "needs root to create a network namespace";
    const probe = `hlprobe${process.pid % 100000}`;
    const added = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
    if (added.error || added.status !== 0) return `ip netns add failed: ${added.stderr || added.error?.message}`;
    spawnSync("ip", ["netns", "del", probe]);
    const veth = spawnSync("ip", ["link", "add", `${probe}a`, "type", "veth", "peer", "name", `${probe}b`], {
      encoding: "utf8",
    });
    if (veth.status !== 0) return `no veth support: ${veth.stderr}`;
    spawnSync("ip", ["link", "del", `${probe}a`]);
    return null;
  }

  static create(): NetworkNamespace {
    const id = process.pid % 100000;
    // 10.213.x/24 and 10.214.x/24 with x from the pid: concurrent runs do not collide (often).
    const x = 20 + (process.pid % 200);
    const name = `hookline-part-${id}`;
    const ip = (...args: string[]) => {
      const r = spawnSync("ip", args, { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
    };
    const ns = new NetworkNamespace(
      name,
      `hlpd${id}`,
      `10.213.${x}.1`,
      `10.214.${x}.1`,
      `10.214.${x}.2`,
      `10.213.${x}.0/24`,
      `10.214.${x}.0/24`,
    );
    ip("netns", "add", name);
    try {
      ip("-n", name, "link", "set", "lo", "up");
      for (const [hostSide, nsSide, third] of [
        [`hlpd${id}`, `hlpd${id}n`, `213.${x}`],
        [`hlpn${id}`, `hlpn${id}n`, `214.${x}`],
      ] as const) {
        ip("link", "add", hostSide, "type", "veth", "peer", "name", nsSide);
        ip("link", "set", nsSide, "netns", name);
        ip("addr", "add", `10.${third}.1/24`, "dev", hostSide);
        ip("link", "set", hostSide, "up");
        ip("-n", name, "addr", "add", `10.${third}.2/24`, "dev", nsSide);
        ip("-n", name, "link", "set", nsSide, "up");
      }
    } catch (error) {
      ns.remove();
      throw error;
    }
    return ns;
  }

  /** Runs a command inside the namespace: the prefix for ServerProcess's `wrapper`. */
  get wrapper(): string[] {
    return ["ip", "netns", "exec", this.name];
  }

  cutDatabase(cut: boolean): void {
    spawnSync("ip", ["link", "set", this.dbHostSide, cut ? "down" : "up"]);
  }

  /** Deleting the namespace deletes its veth ends, and with them their peers on the host. */
  remove(): void {
    spawnSync("ip", ["netns", "del", this.name]);
    for (const side of [this.dbHostSide, this.dbHostSide.replace("hlpd", "hlpn")])
      spawnSync("ip", ["link", "del", side], { stdio: "ignore" });
  }
}
