import http from "node:http";
import type { FastifyInstance } from "fastify";
import type { HooklineMetrics } from "./metrics.ts";
import { statusClass } from "./outcome-labels.ts";

/** Methods get their own label value; anything else the HTTP parser lets through counts as `other`. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * Counts and times every API request by method, route and status class. The route is the
 * matched route's template (`/api/v1/app/:app_id/msg`), a fixed set; a request no route matched
 * (404, a malformed URL) counts as `unmatched`, never under its raw path.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: HooklineMetrics): void {
  app.addHook("onResponse", (request, reply, done) => {
    const method = METHODS.has(request.method) ? request.method : "other";
    const route = request.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method, route, status_class: statusClass(reply.statusCode) });
    metrics.httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
    done();
  });
}

/**
 * GET /metrics on the API port: any admin token may read it; a token confined to one application
 * is refused (403) by the route policy in api/auth.ts, since the metrics cover every tenant.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: HooklineMetrics): void {
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header("content-type", contentType).send(body);
  });
}

/**
 * The separate metrics listener (HOOKLINE_METRICS_PORT): GET /metrics and nothing else, without
 * authentication, for a Prometheus on a network the operator trusts (bind it there with
 * HOOKLINE_METRICS_HOST). Resolves once listening.
 */
export async function startMetricsListener(
  metrics: HooklineMetrics,
  port: number,
  host: string,
  onError: (error: unknown) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ code: "not_found", detail: "this listener serves GET /metrics only" }));
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => {
        response.writeHead(200, { "content-type": contentType });
        response.end(request.method === "HEAD" ? undefined : body);
      },
      (error: unknown) => {
        onError(error);
        response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ code: "internal_error", detail: "metrics could not be collected" }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${boundPort}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
