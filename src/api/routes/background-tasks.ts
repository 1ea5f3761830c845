import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { BACKGROUND_TASK_KINDS, BACKGROUND_TASK_STATUSES, type BackgroundTask } from "../../core/background-task.ts";
import { notFound } from "../../core/errors.ts";
import { errorResponses, ListQuery, ListResponse } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const ID_EXAMPLE = "qtask_2KWPBgLlAfxdpx2AI54pPJ85f4W";
const TaskId = Type.String({
  minLength: 33,
  maxLength: 33,
  pattern: "^qtask_[A-Za-z0-9]{27}$",
  description: "The background task's id (`qtask_…`)",
  examples: [ID_EXAMPLE],
});
export const BackgroundTaskStatus = Type.Union(literals(BACKGROUND_TASK_STATUSES).anyOf, {
  description: "`running` until the last batch is done, then `finished`, or `failed` (the reason in `data.error`)",
});
export const BackgroundTaskType = Type.Union(literals(BACKGROUND_TASK_KINDS).anyOf, {
  description: "What the task does (Svix's task types)",
});

const taskFields = {
  id: Type.String({ description: "The background task's id (`qtask_…`)", examples: [ID_EXAMPLE] }),
  status: BackgroundTaskStatus,
  task: BackgroundTaskType,
  updatedAt: Type.String({ format: "date-time", description: "When its status or progress last changed" }),
};

/** What creating a task answers (Svix's ReplayOut, RecoverOut, ExpungeAllContentsOut): the task, without its data. */
export const TaskStartedOut = Type.Object(taskFields);

const BackgroundTaskOut = Type.Object({
  ...taskFields,
  data: Type.Record(Type.String(), Type.Unknown(), {
    description:
      "Progress while running and the result once done: `messagesSent` (replays, recover), `messagesPurged` (expunge), `error` (failed)",
    examples: [{ messagesSent: 2 }],
  }),
});

const TaskListQuery = Type.Object({
  ...ListQuery.properties,
  status: Type.Optional(BackgroundTaskStatus),
  task: Type.Optional(BackgroundTaskType),
});

export const taskStartedOut = (t: BackgroundTask) => ({
  id: t.id,
  status: t.status,
  task: t.kind,
  updatedAt: iso(t.updatedAt),
});

const taskOut = (t: BackgroundTask) => ({ ...taskStartedOut(t), data: t.data });

/** An application token sees its application's tasks only; an admin token sees every task. */
const visibleTo = (req: FastifyRequest, task: BackgroundTask | undefined) =>
  task !== undefined && (req.scopedAppId === null || task.appId === req.scopedAppId);

/** `GET /api/v1/background-task[/{task_id}]`: tasks, newest first unless `order=ascending`. */
export async function backgroundTaskRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof TaskListQuery> }>(
    "/api/v1/background-task",
    {
      schema: {
        tags: ["Background Task"],
        querystring: TaskListQuery,
        response: { 200: ListResponse(BackgroundTaskOut), ...errorResponses },
      },
    },
    async (req) => {
      const page = await ctx.store.backgroundTasks.list(
        { status: req.query.status, kind: req.query.task, appId: req.scopedAppId ?? undefined },
        pageRequest(req.query, "descending"),
      );
      return { ...page, data: page.data.map(taskOut) };
    },
  );

  app.get<{ Params: { task_id: string } }>(
    "/api/v1/background-task/:task_id",
    {
      schema: {
        tags: ["Background Task"],
        params: Type.Object({ task_id: TaskId }),
        response: { 200: BackgroundTaskOut, ...errorResponses },
      },
    },
    async (req) => {
      const task = await ctx.store.backgroundTasks.get(req.params.task_id);
      if (!visibleTo(req, task)) throw notFound("background task");
      return taskOut(task!);
    },
  );
}
