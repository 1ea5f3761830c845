import { createServer, type AddressInfo, type Socket } from "node:net";

/**
 * An endpoint that accepts connections and never answers, as a host behind a dead load balancer
 * or a hung process does: every request to it lasts the sender's whole timeout.
 */
export class Blackhole {
  url = "";
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((socket) => {
    this.sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => this.sockets.delete(socket));
  });

  static async start(): Promise<Blackhole> {
    const b = new Blackhole();
    await new Promise<void>((resolve) => b.server.listen(0, "127.0.0.1", resolve));
    b.url = `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`;
    return b;
  }

  /** Connections open right now: the requests the sender is still waiting on. */
  get open(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
