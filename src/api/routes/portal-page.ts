import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { CONSOLE_DIST } from "./console.ts";

/**
 * The consumer portal's pages (docs/portal.md): `portal.html` of the web build (web/console/
 * portal.html, built with the console by `npm run build:web`), answered for every path under
 * `/portal/app/<app_id>/` so that the browser router owns them and a deep link opens its page. Its
 * scripts and styles are the console's hashed assets under `/assets/`. The portal's headers
 * (framing policy, CSP without inline script) are set by portal-framing.ts on every `/portal`
 * response. Public: the page holds no data; the data comes from the API, with the session's token.
 */
const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Webhooks portal</title></head>
<body><main><h1>Webhooks portal</h1><p>The portal's pages are not built: run <code>npm run build:web</code> (npm ci does it) and restart Hookline.</p></main></body>
</html>
`;

export function loadPortalPage(dist = CONSOLE_DIST): string {
  const file = path.join(dist, "portal.html");
  return existsSync(file) ? readFileSync(file, "utf8") : NOT_BUILT;
}

export async function portalPageRoutes(app: FastifyInstance, options: { dist?: string } = {}): Promise<void> {
  const html = loadPortalPage(options.dist);
  const page = { config: { public: true }, schema: { hide: true } };
  for (const url of ["/portal", "/portal/app/:app_id", "/portal/app/:app_id/*"]) {
    app.get(url, page, async (_request, reply) =>
      reply.header("cache-control", "no-cache").type("text/html; charset=utf-8").send(html),
    );
  }
}
