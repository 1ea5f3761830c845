import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { createMessage } from "../../core/create-message.ts";
import { examplePayload } from "../../core/endpoints/example-payload.ts";
import { incomingTrace } from "../../core/trace-context.ts";
import type { AppContext } from "../../main/context.ts";
import { servicesOf } from "../../main/services.ts";
import { errorResponses } from "../common-schemas.ts";
import { readableEventType } from "../event-catalog-access.ts";
import { iso, msOf } from "../pagination.ts";
import { MessageOut, messageOut } from "../representations.ts";
import type { EndpointScope } from "./endpoint-scope.ts";
import { ExampleIn, StatsOut, StatsQuery, type Params } from "./endpoint-schemas.ts";

/** What goes through an endpoint: an example message sent to it alone, and its deliveries counted by state. */
export function endpointActivityRoutes(app: FastifyInstance, ctx: AppContext, scope: EndpointScope): void {
  const { base, tags } = scope;
  const endpoints = servicesOf(ctx).endpoints;

  app.post<{ Params: Params; Body: Static<typeof ExampleIn> }>(
    `${base}/:endpoint_id/send-example`,
    {
      schema: {
        tags,
        params: scope.endpointParams,
        body: ExampleIn,
        response: { 202: MessageOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await scope.owner(ctx, req.params);
      const endpoint = await endpoints.require(application.id, req.params.endpoint_id);
      // Only a type the caller can see in the catalog; an unknown one is 404 (as in Svix).
      const eventType = await readableEventType(ctx, req, req.body.eventType);
      const payload = examplePayload(eventType, req.body.eventType, req.body.exampleIndex ?? 0, iso(ctx.clock.now()));
      const message = await createMessage(servicesOf(ctx).messageCreation, application, {
        eventType: req.body.eventType,
        payload,
        onlyEndpoint: endpoint,
        trace: incomingTrace(req.headers),
      });
      return reply.code(202).send(messageOut(message, true, payload));
    },
  );

  app.get<{ Params: Params; Querystring: Static<typeof StatsQuery> }>(
    `${base}/:endpoint_id/stats`,
    {
      schema: {
        tags,
        params: scope.endpointParams,
        querystring: StatsQuery,
        response: { 200: StatsOut, ...errorResponses },
      },
    },
    async (req) => {
      const application = await scope.owner(ctx, req.params);
      const endpoint = await endpoints.require(application.id, req.params.endpoint_id);
      // since/until bound the creation time of the deliveries counted.
      const since = msOf(req.query.since);
      const until = msOf(req.query.until);
      return ctx.store.deliveries.stats(application.id, endpoint.id, {
        after: since === undefined ? undefined : since - 1,
        before: until,
      });
    },
  );
}
