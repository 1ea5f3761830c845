import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { notFound } from "../../core/errors.ts";
import { errorResponses, Nullable, PathKey } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";

/** The application metadata key with the page of the operator's product that hands out fresh portal links. */
export const PORTAL_RETURN_URL_KEY = "hookline.portal.returnUrl";

const PortalSettingsOut = Type.Object({
  returnUrl: Nullable(Type.String({ description: "Where to get a fresh portal link; null when not configured" })),
});

/** An absolute http(s) URL, or null: anything else (`javascript:`, relative) never reaches a link. */
function httpUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * What the portal's pages need before (or after) they hold a valid session: where to send a
 * consumer whose session expired or was ended, to get a fresh link. Public, since an ended
 * session has no token left; it names the application by its id only (`app_…`, not guessable),
 * never by uid, and tells nothing but the operator's own return URL (docs/portal.md).
 */
export async function portalSettingsRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get<{ Params: { app_id: string } }>(
    "/api/v1/portal/:app_id/settings",
    {
      config: { public: true },
      schema: {
        tags: ["Authentication"],
        security: [],
        params: Type.Object({ app_id: PathKey }),
        response: { 200: PortalSettingsOut, ...errorResponses },
      },
    },
    async (req) => {
      const application = await ctx.store.applications.get(req.params.app_id);
      if (!application || application.id !== req.params.app_id) throw notFound("application");
      return { returnUrl: httpUrl(application.metadata[PORTAL_RETURN_URL_KEY]) };
    },
  );
}
