import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { notFound } from "../../core/errors.ts";
import { errorResponses, PathKey } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";

const LookupParams = Type.Object({ msg_id: PathKey });
const LookupOut = Type.Object({
  id: Type.String({ description: "The message's id" }),
  appId: Type.String({ description: "The application it belongs to: read it at /api/v1/app/{appId}/msg/{id}" }),
});

/**
 * Which application a message id belongs to, for an operator who has only the id (a customer
 * quoted it; the console's command palette opens it). Admin tokens only: the path is outside
 * /api/v1/app/{app_id}, all a token confined to one application may reach (auth.ts).
 */
export async function messageLookupRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get<{ Params: Static<typeof LookupParams> }>(
    "/api/v1/msg/:msg_id",
    {
      schema: {
        tags: ["Message"],
        summary: "Find a message's application",
        params: LookupParams,
        response: { 200: LookupOut, ...errorResponses },
      },
    },
    async (req) => {
      const appId = await ctx.store.messages.appIdOf(req.params.msg_id);
      if (appId === undefined) throw notFound("message");
      return { id: req.params.msg_id, appId };
    },
  );
}
