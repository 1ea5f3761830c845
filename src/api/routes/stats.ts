import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import {
  DURATION_BOUNDS_MS,
  END_TO_END_BOUNDS_MS,
  OUTCOME_CLASSES,
  quantileOf,
  type OutcomeClass,
} from "../../core/attempt-stats.ts";
import { partsOf, SUM_COLUMNS } from "../../store/rows/attempt-stats.ts";
import type { AttemptStatsBucket, AttemptStatsQuery } from "../../store/store.ts";
import { AppParams, DateTime, EndpointParams, errorResponses, Nullable } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, msOf } from "../pagination.ts";
import { requireApp } from "./applications.ts";
import { requireEndpoint } from "./endpoints.ts";

/** Bucket widths a chart may ask for, and the most buckets one answer holds (a day of minutes). */
export const STATS_INTERVALS = { "1m": 60_000, "5m": 300_000, "1h": 3_600_000, "1d": 86_400_000 } as const;
export const MAX_STATS_BUCKETS = 1440;
const DEFAULT_SPAN_MS = 86_400_000;
type Interval = keyof typeof STATS_INTERVALS;

const StatsQuery = Type.Object({
  since: Type.Optional(DateTime),
  until: Type.Optional(DateTime),
  interval: Type.Optional(
    Type.Union(
      Object.keys(STATS_INTERVALS).map((k) => Type.Literal(k as Interval)),
      { description: "Bucket width (default 1h)." },
    ),
  ),
});
type StatsQuery = Static<typeof StatsQuery>;

const counted = (description: string) => Type.Integer({ minimum: 0, description });
const Latency = (what: string) =>
  Type.Object(
    {
      p50: Nullable(Type.Integer({ description: `Median ${what}, ms (the upper bound of its histogram bin)` })),
      p95: Nullable(Type.Integer({ description: `95th percentile ${what}, ms` })),
      p99: Nullable(Type.Integer({ description: `99th percentile ${what}, ms` })),
      max: Nullable(Type.Integer({ description: `Longest ${what} in the bucket, ms` })),
      count: counted(`Measurements of ${what} in the bucket`),
    },
    { description: `Percentiles of ${what}; null where the bucket has no measurement` },
  );
const OUTCOME_DESCRIPTIONS: Record<OutcomeClass, string> = {
  success: "Attempts answered with a 2xx",
  http4xx: "Attempts answered with a 4xx (or another non-2xx below 500)",
  http5xx: "Attempts answered with a 5xx",
  timeout: "Attempts that ran past the request timeout",
  network: "Attempts that failed to connect or lost the connection (DNS, refused, reset, TLS)",
  ssrfBlocked: "Attempts refused before connecting: the destination is not a public address",
  otherError: "Attempts that failed otherwise (a filter or transformation error, for example)",
  canceled: "Deliveries settled without a request (a payload filter rejected the message)",
};
const Outcomes = Type.Object(
  Object.fromEntries(OUTCOME_CLASSES.map((k) => [k, counted(OUTCOME_DESCRIPTIONS[k])])) as Record<
    OutcomeClass,
    ReturnType<typeof counted>
  >,
  { description: "Attempts by outcome class" },
);
const AttemptStatsBucketOut = Type.Object({
  start: Type.String({ format: "date-time", description: "Start of the bucket (inclusive)" }),
  total: counted("Attempts in the bucket"),
  success: counted("Successful attempts"),
  /** Every outcome but success and canceled. */
  failure: counted("Failed attempts: every outcome but success and canceled"),
  outcomes: Outcomes,
  attemptDurationMs: Latency("attempt duration"),
  endToEndMs: Latency("time from a message's acceptance to its first successful delivery"),
});
const AttemptStatsOut = Type.Object({
  interval: Type.String({ description: "Bucket width: 1m, 5m, 1h or 1d" }),
  since: DateTime,
  until: DateTime,
  data: Type.Array(AttemptStatsBucketOut),
});
const tags = ["Stats"];

interface Range {
  since: number;
  until: number;
  widthMs: number;
  interval: Interval;
}

type Invalid = { loc: string; msg: string };

/**
 * The buckets asked for: widths from a fixed set, a span of at most MAX_STATS_BUCKETS widths,
 * widened to whole buckets (aligned in UTC). `until` defaults to now, `since` to a day before `until`.
 */
export function rangeOf(q: StatsQuery, now: number): Range | Invalid {
  const interval = q.interval ?? "1h";
  const widthMs = STATS_INTERVALS[interval];
  const untilMs = msOf(q.until) ?? now;
  const sinceMs = msOf(q.since) ?? untilMs - DEFAULT_SPAN_MS;
  if (untilMs <= sinceMs) return { loc: "until", msg: "until must be after since" };
  // The cap is on the span asked for, so "the last 24 hours by minute" works at any moment even
  // though widening it to whole minutes makes 1,441 buckets.
  const span = Math.ceil((untilMs - sinceMs) / widthMs);
  if (span > MAX_STATS_BUCKETS)
    return {
      loc: "since",
      msg: `the range spans ${span} buckets of ${interval}; at most ${MAX_STATS_BUCKETS} per request (use a wider interval)`,
    };
  const since = Math.floor(sinceMs / widthMs) * widthMs;
  const until = Math.ceil(untilMs / widthMs) * widthMs;
  return { since, until, widthMs, interval };
}

const latencyOut = (bins: number[], bounds: readonly number[], maxMs: number) => {
  const count = bins.reduce((a, b) => a + b, 0);
  return {
    p50: quantileOf(bins, bounds, maxMs, 0.5),
    p95: quantileOf(bins, bounds, maxMs, 0.95),
    p99: quantileOf(bins, bounds, maxMs, 0.99),
    max: count === 0 ? null : maxMs,
    count,
  };
};

const EMPTY = { cells: new Array<number>(SUM_COLUMNS.length).fill(0), durMax: 0, e2eMax: 0 };

/** Every bucket of the range, in order, zeros where nothing happened (a chart needs the gaps). */
function seriesOut(range: Range, found: AttemptStatsBucket[]) {
  const byStart = new Map(found.map((b) => [b.bucketStart, b]));
  const data = [];
  for (let start = range.since; start < range.until; start += range.widthMs) {
    const bucket = byStart.get(start) ?? EMPTY;
    const { outcomes, durationBins, endToEndBins } = partsOf(bucket);
    const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
    data.push({
      start: iso(start),
      total,
      success: outcomes.success,
      failure: total - outcomes.success - outcomes.canceled,
      outcomes,
      attemptDurationMs: latencyOut(durationBins, DURATION_BOUNDS_MS, bucket.durMax),
      endToEndMs: latencyOut(endToEndBins, END_TO_END_BOUNDS_MS, bucket.e2eMax),
    });
  }
  return { interval: range.interval, since: iso(range.since), until: iso(range.until), data };
}

/**
 * Attempt counts by outcome and latency percentiles per time bucket, read from the pre-aggregated
 * minute rows (store/rows/attempt-stats.ts), for the instance (admin tokens only, auth.ts), an
 * application, or an endpoint. docs/api.md ("Stats") documents the classes and the bins.
 */
export async function statsRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const answer = async (reply: FastifyReply, q: StatsQuery, scope: Pick<AttemptStatsQuery, "appId" | "endpointId">) => {
    const range = rangeOf(q, ctx.clock.now());
    if ("msg" in range)
      return reply.code(422).send({ detail: [{ loc: ["query", range.loc], msg: range.msg, type: "value_error" }] });
    const found = await ctx.store.attemptStats.series({ ...scope, ...range });
    return reply.send(seriesOut(range, found));
  };
  const schema = (params: typeof AppParams | typeof EndpointParams | undefined, summary: string) => ({
    tags,
    summary,
    ...(params ? { params } : {}),
    querystring: StatsQuery,
    response: { 200: AttemptStatsOut, ...errorResponses },
  });

  app.get<{ Querystring: StatsQuery }>(
    "/api/v1/stats/attempts",
    { schema: schema(undefined, "Attempt stats of the whole instance") },
    (req, reply) => answer(reply, req.query, { appId: null, endpointId: null }),
  );

  app.get<{ Params: Static<typeof AppParams>; Querystring: StatsQuery }>(
    "/api/v1/app/:app_id/stats/attempts",
    { schema: schema(AppParams, "Attempt stats of an application") },
    async (req, reply) => {
      const application = await requireApp(ctx, req.params.app_id);
      return answer(reply, req.query, { appId: application.id, endpointId: null });
    },
  );

  app.get<{ Params: Static<typeof EndpointParams>; Querystring: StatsQuery }>(
    "/api/v1/app/:app_id/endpoint/:endpoint_id/stats/attempts",
    { schema: schema(EndpointParams, "Attempt stats of an endpoint") },
    async (req, reply) => {
      const application = await requireApp(ctx, req.params.app_id);
      const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
      return answer(reply, req.query, { appId: application.id, endpointId: endpoint.id });
    },
  );
}
