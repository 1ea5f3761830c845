import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A reverse proxy hop as nginx's `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`
 * makes one: each request is passed on to `upstream` with its client's address appended to any
 * X-Forwarded-For it arrived with. Its own connections to the upstream leave from `outboundAddress`,
 * so the upstream sees the proxy at a known loopback address.
 */
export class ForwardingProxy {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(upstream: string, outboundAddress: string): Promise<ForwardingProxy> {
    const target = new URL(upstream);
    const server = http.createServer((req, res) => {
      const previous = req.headers["x-forwarded-for"];
      const client = req.socket.remoteAddress ?? "";
      const headers = { ...req.headers, "x-forwarded-for": previous ? `${previous}, ${client}` : client };
      const forward = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers,
          localAddress: outboundAddress,
          agent: false,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      forward.on("error", () => {
        res.writeHead(502).end();
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return new ForwardingProxy(server, `http://127.0.0.1:${port}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
