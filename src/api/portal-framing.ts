import type { FastifyInstance } from "fastify";
import { parseFrameAncestors } from "../core/frame-ancestors.ts";
import type { AppContext } from "../main/context.ts";

/**
 * Who may frame the consumer portal, and the other headers its pages carry (docs/portal.md).
 *
 * The portal is meant to sit in an iframe on the operator's site, and only there: a page that any
 * site can frame can be overlaid and clicked through (clickjacking). So every response under
 * `/portal` says which origins may frame it (`Content-Security-Policy: frame-ancestors`):
 *
 * 1. the application's own list, when its metadata has `PORTAL_FRAME_ANCESTORS_KEY` (the portal
 *    URL names the application: `/portal/app/<app_id>/`);
 * 2. else HOOKLINE_PORTAL_FRAME_ANCESTORS;
 * 3. else `'self'` only.
 *
 * The headers are set by a hook on every `/portal` response, whichever route serves the page.
 */

/** The application metadata key whose value (origins separated by spaces) sets its framing policy. */
export const PORTAL_FRAME_ANCESTORS_KEY = "hookline.portal.frameAncestors";

/** The page's Content-Security-Policy: its own scripts only, no inline script, framed by `ancestors`. */
export function portalContentSecurityPolicy(ancestors: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // 'report-sample': a violation names the start of the style it blocked (see the console's policy).
    "style-src 'self' 'report-sample'",
    // The operator's logo may be hosted anywhere over HTTPS.
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors.length > 0 ? ancestors.join(" ") : "'none'"}`,
  ].join("; ");
}

const APP_PATH = /^\/portal\/app\/([^/?#]+)/;

export function registerPortalFraming(app: FastifyInstance, ctx: AppContext): void {
  const global = ctx.config.portalFrameAncestors.length > 0 ? ctx.config.portalFrameAncestors : ["'self'"];

  async function ancestorsFor(url: string): Promise<readonly string[]> {
    const match = APP_PATH.exec(url);
    if (!match) return global;
    let appId: string;
    try {
      appId = decodeURIComponent(match[1]!);
    } catch {
      return global;
    }
    const application = await ctx.store.applications.get(appId);
    const own = application?.metadata?.[PORTAL_FRAME_ANCESTORS_KEY];
    if (own === undefined) return global;
    return parseFrameAncestors(own).sources;
  }

  app.addHook("onSend", async (request, reply, payload) => {
    if (request.url !== "/portal" && !request.url.startsWith("/portal/") && !request.url.startsWith("/portal?"))
      return payload;
    reply.header("content-security-policy", portalContentSecurityPolicy(await ancestorsFor(request.url)));
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("cross-origin-opener-policy", "same-origin");
    return payload;
  });
}
