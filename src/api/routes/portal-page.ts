import type { FastifyInstance } from "fastify";

/**
 * The consumer portal's entry page until its user interface is built in: it says where the portal
 * will be and carries the portal's headers (portal-framing.ts sets them on every `/portal`
 * response). No script, inline or otherwise.
 */
const PLACEHOLDER = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Webhooks portal</title></head>
<body><main><h1>Webhooks portal</h1><p>The portal's pages are not installed in this build.</p></main></body>
</html>
`;

export async function portalPageRoutes(app: FastifyInstance): Promise<void> {
  const page = { config: { public: true }, schema: { hide: true } };
  for (const url of ["/portal", "/portal/app/:app_id"]) {
    app.get(url, page, async (_request, reply) =>
      reply.header("cache-control", "no-store").type("text/html; charset=utf-8").send(PLACEHOLDER),
    );
  }
}
