import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { startTask } from "../../core/background-tasks/create-task.ts";
import type { AppUsageParams } from "../../core/background-tasks/usage-stats.ts";
import { FieldError } from "../../core/errors.ts";
import { DateTime, errorResponses, Nullable } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { TaskStartedOut, taskStartedOut } from "./background-tasks.ts";
import { servicesOf } from "../../main/services.ts";

/**
 * Svix's usage statistics (docs/api.md, "Usage statistics"): each request starts a background
 * task over every application (or the listed ones) whose result is the task's `data`, read at
 * `GET /api/v1/background-task/{task_id}`. Admin tokens only: they cover the whole environment.
 */

const AppRef = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: "^[a-zA-Z0-9\\-_.]+$",
  description: "An application's id or uid",
});

const AppUsageStatsIn = Type.Object({
  since: Type.String({ ...DateTime, description: "Start of the range, inclusive (counted from its minute)" }),
  until: Type.String({ ...DateTime, description: "End of the range, exclusive (counted to the end of its minute)" }),
  appIds: Type.Optional(
    Nullable(Type.Array(AppRef, { uniqueItems: true, maxItems: 1000 }), {
      description:
        "Only these applications (ids or uids); the ones not found are listed in `unresolvedAppIds`, and 422 if none is found. Absent or null: every application",
    }),
  ),
});

const AppUsageStatsOut = Type.Object({
  ...TaskStartedOut.properties,
  unresolvedAppIds: Type.Array(Type.String(), {
    description: "The ids or uids of `appIds` that name no application; the task covers the others",
  }),
});

const MINUTE_MS = 60_000;

export async function usageStatsRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Body: Static<typeof AppUsageStatsIn> }>(
    "/api/v1/stats/usage/app",
    {
      schema: {
        tags: ["Statistics"],
        body: AppUsageStatsIn,
        response: { 202: AppUsageStatsOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      // Attempts are counted per minute (store.attemptStats), so the range widens to whole minutes.
      const since = Math.floor(Date.parse(req.body.since) / MINUTE_MS) * MINUTE_MS;
      const until = Math.ceil(Date.parse(req.body.until) / MINUTE_MS) * MINUTE_MS;
      if (until <= since) throw new FieldError(["until"], "must be after since", "value_error");
      const params: AppUsageParams = { since, until };
      const unresolvedAppIds: string[] = [];
      if (req.body.appIds) {
        const ids = new Set<string>();
        for (const ref of req.body.appIds) {
          const found = await ctx.store.applications.get(ref);
          if (found) ids.add(found.id);
          else unresolvedAppIds.push(ref);
        }
        if (ids.size === 0) throw new FieldError(["appIds"], "none of these applications exists", "value_error");
        params.appIds = [...ids].sort();
      }
      const task = await startTask(
        servicesOf(ctx).taskCreation,
        "application.stats",
        null,
        params as unknown as Record<string, unknown>,
      );
      return reply.code(202).send({ ...taskStartedOut(task), unresolvedAppIds });
    },
  );

  app.put(
    "/api/v1/stats/usage/event-types",
    { schema: { tags: ["Statistics"], response: { 202: TaskStartedOut, ...errorResponses } } },
    async (_req, reply) => {
      const task = await startTask(servicesOf(ctx).taskCreation, "event-type.aggregate", null, {});
      return reply.code(202).send(taskStartedOut(task));
    },
  );
}
