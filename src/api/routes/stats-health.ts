import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Endpoint } from "../../core/entities.ts";
import { STATS_BUCKET_MS } from "../../store/rows/attempt-stats.ts";
import type { BacklogScope } from "../../store/store.ts";
import { AppParams, DateTime, EndpointParams, errorResponses, Nullable } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, msOf } from "../pagination.ts";
import { requireApp } from "./applications.ts";
import { requireEndpoint } from "./endpoints.ts";

/**
 * The longest range the endpoint-health list sums: 31 days of per-endpoint minute rows. Past
 * that the sum reads more rows than a panel refreshed every minute should (a busy instance
 * writes one row per active endpoint and minute).
 */
export const MAX_HEALTH_SPAN_MS = 31 * 86_400_000;
/** The list holds the worst endpoints first, at most this many (each costs one endpoint read). */
export const MAX_HEALTH_ENDPOINTS = 50;
const DEFAULT_SPAN_MS = 86_400_000;

const BacklogOut = Type.Object({
  due: Type.Integer({ minimum: 0, description: "Deliveries due now, or being attempted" }),
  scheduled: Type.Integer({ minimum: 0, description: "Deliveries waiting for a retry (or a deliverAt) later" }),
  oldestDueAt: Nullable(
    Type.String({
      format: "date-time",
      description: "The earliest next attempt of any unsettled delivery in the scope; null when none is waiting",
    }),
  ),
});

const HealthQuery = Type.Object({
  since: Type.Optional(DateTime),
  until: Type.Optional(DateTime),
});
type HealthQuery = Static<typeof HealthQuery>;

const EndpointHealthOut = Type.Object({
  appId: Type.String(),
  endpointId: Type.String(),
  url: Type.String(),
  disabled: Type.Boolean(),
  total: Type.Integer({ minimum: 0, description: "Attempts in the range (as the stats API's total)" }),
  failure: Type.Integer({
    minimum: 0,
    description: "Failed attempts in the range: every outcome but success and canceled",
  }),
  failureRate: Nullable(Type.Number({ description: "failure / total, from 0 to 1; null without attempts" })),
});
const EndpointHealthListOut = Type.Object({
  since: DateTime,
  until: DateTime,
  data: Type.Array(EndpointHealthOut, {
    description: `Endpoints disabled or with a failed attempt in the range, disabled ones and the highest failure rates first; at most ${MAX_HEALTH_ENDPOINTS}`,
  }),
});
const tags = ["Stats"];

/**
 * What needs an operator's attention now: the delivery backlog (due now and waiting retries) and
 * the endpoints that are disabled or failing, for the instance, an application or an endpoint.
 * Admin tokens only for the instance (auth.ts); the console's overview reads them. docs/api.md
 * ("Stats") documents them.
 */
export async function statsHealthRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const backlog = async (scope?: BacklogScope) => {
    const stats = await ctx.store.deliveries.queueStats(ctx.clock.now(), scope);
    return { ...stats, oldestDueAt: stats.oldestDueAt === null ? null : iso(stats.oldestDueAt) };
  };
  const backlogSchema = (params: typeof AppParams | typeof EndpointParams | undefined, summary: string) => ({
    tags,
    summary,
    ...(params ? { params } : {}),
    response: { 200: BacklogOut, ...errorResponses },
  });

  app.get("/api/v1/stats/backlog", { schema: backlogSchema(undefined, "Delivery backlog of the whole instance") }, () =>
    backlog(),
  );
  app.get<{ Params: Static<typeof AppParams> }>(
    "/api/v1/app/:app_id/stats/backlog",
    { schema: backlogSchema(AppParams, "Delivery backlog of an application") },
    async (req) => backlog({ appId: (await requireApp(ctx, req.params.app_id)).id }),
  );
  app.get<{ Params: Static<typeof EndpointParams> }>(
    "/api/v1/app/:app_id/endpoint/:endpoint_id/stats/backlog",
    { schema: backlogSchema(EndpointParams, "Delivery backlog of an endpoint") },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
      return backlog({ appId: application.id, endpointId: endpoint.id });
    },
  );

  const health = async (reply: FastifyReply, q: HealthQuery, appId: string | null) => {
    const untilMs = msOf(q.until) ?? ctx.clock.now();
    const sinceMs = msOf(q.since) ?? untilMs - DEFAULT_SPAN_MS;
    const problem =
      untilMs <= sinceMs
        ? { loc: "until", msg: "until must be after since" }
        : untilMs - sinceMs > MAX_HEALTH_SPAN_MS
          ? { loc: "since", msg: "the range is longer than 31 days" }
          : null;
    if (problem)
      return reply.code(422).send({ detail: [{ loc: ["query", problem.loc], msg: problem.msg, type: "value_error" }] });
    // Whole minutes, as the stats rows are kept.
    const since = Math.floor(sinceMs / STATS_BUCKET_MS) * STATS_BUCKET_MS;
    const until = Math.ceil(untilMs / STATS_BUCKET_MS) * STATS_BUCKET_MS;
    const totals = await ctx.store.attemptStats.byEndpoint({ appId, since, until });
    const disabled = await ctx.store.endpoints.listDisabled(appId, MAX_HEALTH_ENDPOINTS);
    type Row = { appId: string; endpointId: string; total: number; failure: number; endpoint?: Endpoint };
    const rows = new Map<string, Row>();
    for (const t of totals) {
      const failure = t.total - t.success - t.canceled;
      if (failure > 0) rows.set(t.endpointId, { appId: t.appId, endpointId: t.endpointId, total: t.total, failure });
    }
    for (const e of disabled) {
      const seen = totals.find((t) => t.endpointId === e.id);
      const failure = seen ? seen.total - seen.success - seen.canceled : 0;
      rows.set(e.id, { appId: e.appId, endpointId: e.id, total: seen?.total ?? 0, failure, endpoint: e });
    }
    const rate = (r: Row) => (r.total ? r.failure / r.total : 0);
    // Endpoints deleted since keep their stats rows until retention; they need no attention.
    const ranked = [...rows.values()]
      .sort((a, b) => Number(!!b.endpoint) - Number(!!a.endpoint) || rate(b) - rate(a) || b.failure - a.failure)
      .slice(0, MAX_HEALTH_ENDPOINTS);
    const data = [];
    for (const r of ranked) {
      const endpoint = r.endpoint ?? (await ctx.store.endpoints.get(r.appId, r.endpointId));
      if (!endpoint) continue;
      data.push({
        appId: r.appId,
        endpointId: r.endpointId,
        url: endpoint.url,
        disabled: endpoint.disabled,
        total: r.total,
        failure: r.failure,
        failureRate: r.total ? r.failure / r.total : null,
      });
    }
    return reply.send({ since: iso(since), until: iso(until), data });
  };
  const healthSchema = (params: typeof AppParams | undefined, summary: string) => ({
    tags,
    summary,
    ...(params ? { params } : {}),
    querystring: HealthQuery,
    response: { 200: EndpointHealthListOut, ...errorResponses },
  });

  app.get<{ Querystring: HealthQuery }>(
    "/api/v1/stats/endpoints",
    { schema: healthSchema(undefined, "Endpoints disabled or failing in the whole instance") },
    (req, reply) => health(reply, req.query, null),
  );
  app.get<{ Params: Static<typeof AppParams>; Querystring: HealthQuery }>(
    "/api/v1/app/:app_id/stats/endpoints",
    { schema: healthSchema(AppParams, "Endpoints of an application disabled or failing") },
    async (req, reply) => health(reply, req.query, (await requireApp(ctx, req.params.app_id)).id),
  );
}
