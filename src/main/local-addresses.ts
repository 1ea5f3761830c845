import { networkInterfaces } from "node:os";

/** Every address of this machine's network interfaces (a listener on 0.0.0.0 or :: is reachable at each). */
export function localInterfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .map((a) => a.address);
}
