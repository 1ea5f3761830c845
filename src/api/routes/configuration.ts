import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { errorResponses } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";

const ConfiguredSettingOut = Type.Object({
  name: Type.String({ description: "The setting's name in src/config.ts" }),
  env: Type.String({ description: "Its environment variable" }),
  flag: Type.String({ description: "Its command-line flag" }),
  source: Type.Union([Type.Literal("flag"), Type.Literal("environment"), Type.Literal("default")], {
    description: "Where the value came from: a flag (which wins over the variable), the environment, or the default",
  }),
  value: Type.String({
    description:
      'The value as given, or the default as documented; a secret is "(hidden)" and a database URL\'s password is starred',
  }),
  secret: Type.Boolean({ description: "A secret's value is never shown" }),
  meaning: Type.String({ description: "What the setting does, as `hookline serve --help` says" }),
});
const ConfigurationOut = Type.Object({ data: Type.Array(ConfiguredSettingOut) });

/**
 * The effective configuration of the process that answers: every setting, its value and where
 * it came from, secrets hidden. Admin tokens only: the path is outside /api/v1/app/{app_id}, which
 * is all a token confined to one application may reach (auth.ts). With several processes, each
 * answers with its own settings.
 */
export async function configurationRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get(
    "/api/v1/environment/configuration",
    {
      schema: {
        tags: ["Environment"],
        summary: "Effective configuration",
        response: { 200: ConfigurationOut, ...errorResponses },
      },
    },
    async () => ({ data: ctx.configuration ?? [] }),
  );
}
