import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { BackgroundTaskKind, EndpointTaskParams } from "../../core/background-task.ts";
import { startTask } from "../../core/background-tasks/create-task.ts";
import { FieldError } from "../../core/errors.ts";
import { Channel, DateTime, errorResponses, EventTypeName, Nullable, Tag } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { TaskStartedOut, taskStartedOut } from "./background-tasks.ts";
import { APPLICATION_ENDPOINTS, type EndpointScope } from "./endpoint-scope.ts";
import { requireEndpoint } from "./endpoints.ts";
import { servicesOf } from "../../main/services.ts";

const TimeRangeIn = { since: DateTime, until: Type.Optional(Nullable(DateTime)) };
const ReplayIn = Type.Object(TimeRangeIn);
const BulkReplayIn = Type.Object({
  ...TimeRangeIn,
  eventTypes: Type.Optional(
    Nullable(Type.Array(EventTypeName, { uniqueItems: true, maxItems: 1000 }), {
      description: "Only messages of these event types (exact names)",
    }),
  ),
  channel: Type.Optional(Nullable(Channel, { description: "Only messages sent on this channel" })),
  tag: Type.Optional(Nullable(Tag, { description: "Only messages carrying this tag" })),
  status: Type.Optional(
    Nullable(Type.Union([0, 1, 2, 3, 4].map((n) => Type.Literal(n))), {
      description:
        "Only deliveries in this state (Svix's MessageStatus: 0 success, 1 pending, 2 fail, 3 sending, 4 canceled)",
    }),
  ),
  statusCodeClass: Type.Optional(
    Nullable(Type.Union([0, 100, 200, 300, 400, 500].map((n) => Type.Literal(n))), {
      description:
        "Only deliveries whose latest attempt got a response in this class (0: no response, or never attempted)",
    }),
  ),
});
type BulkReplayIn = Static<typeof BulkReplayIn>;

type Params = Record<string, string> & { endpoint_id: string };

/**
 * The time range a task works on, in ms: `since` may not be in the future (there would be nothing
 * to do, and it is a mistake worth saying), `until` must come after it and defaults to now; a
 * later `until` is cut to now, so what a task covers is fixed when it is created.
 */
function timeRange(body: { since: string; until?: string | null }, now: number): { since: number; until: number } {
  const since = Date.parse(body.since);
  if (since > now) throw new FieldError(["since"], "must not be in the future", "value_error");
  const asked = body.until ? Date.parse(body.until) : now + 1;
  if (asked <= since) throw new FieldError(["until"], "must be after since", "value_error");
  return { since, until: Math.min(asked, now + 1) };
}

/**
 * The endpoint tasks (docs/api.md, "Background tasks"): recover for every scope; replay-missing and
 * bulk-replay for applications' endpoints, as in Svix.
 */
export const endpointTaskRoutesIn =
  (scope: EndpointScope) =>
  async (app: FastifyInstance, { ctx }: RouteOptions) => {
    const route = (
      path: string,
      kind: BackgroundTaskKind,
      body: typeof ReplayIn | typeof BulkReplayIn,
      extra: (b: BulkReplayIn) => Partial<EndpointTaskParams> = () => ({}),
    ) =>
      app.post<{ Params: Params; Body: BulkReplayIn }>(
        `${scope.base}/:endpoint_id/${path}`,
        {
          schema: {
            tags: scope.tags,
            params: scope.endpointParams,
            body,
            response: { 202: TaskStartedOut, ...errorResponses },
          },
        },
        async (req, reply) => {
          const application = await scope.owner(ctx, req.params);
          const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
          const params: EndpointTaskParams = {
            endpointId: endpoint.id,
            ...timeRange(req.body, ctx.clock.now()),
            ...extra(req.body),
          };
          const task = await startTask(servicesOf(ctx).taskCreation, kind, application.id, { ...params });
          return reply.code(202).send(taskStartedOut(task));
        },
      );

    route("recover", "endpoint.recover", ReplayIn);
    if (scope !== APPLICATION_ENDPOINTS) return;
    route("replay-missing", "endpoint.replay", ReplayIn);
    route("bulk-replay", "endpoint.bulk-replay", BulkReplayIn, (b: BulkReplayIn) => ({
      eventTypes: b.eventTypes ?? null,
      channel: b.channel ?? null,
      tag: b.tag ?? null,
      status: b.status ?? null,
      statusCodeClass: b.statusCodeClass ?? null,
    }));
  };
