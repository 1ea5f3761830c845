import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { FastifyInstance, FastifyReply } from "fastify";

/** Where the page and its script live; the document itself is the API's own /api/v1/openapi.json. */
export const API_REFERENCE_PATH = "/docs";
const RENDERER_SCRIPT_PATH = `${API_REFERENCE_PATH}/redoc.standalone.js`;
const OPENAPI_DOCUMENT_PATH = "/api/v1/openapi.json";

/**
 * Only this server's own files run or load. Redoc's standalone bundle injects its styles as
 * <style> elements (hence 'unsafe-inline' for styles only) and builds its search index in a worker
 * made from a blob: URL. Nothing comes from a CDN: the bundle is served from the npm package.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * No inline script: the <redoc> element names the document, and the bundle renders it on load.
 * The empty icon keeps the browser from asking for /favicon.ico, which is not a public path.
 */
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Hookline API reference</title>
    <link rel="icon" href="data:,">
  </head>
  <body>
    <redoc spec-url="${OPENAPI_DOCUMENT_PATH}" expand-responses="200,201"></redoc>
    <script src="${RENDERER_SCRIPT_PATH}"></script>
  </body>
</html>
`;

function withSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", CONTENT_SECURITY_POLICY)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("x-frame-options", "DENY");
}

let rendererScript: Promise<Buffer> | undefined;

/** Read once, on the first request: most servers never serve the page, and the bundle is about 1 MB. */
function loadRendererScript(): Promise<Buffer> {
  rendererScript ??= readFile(createRequire(import.meta.url).resolve("redoc/bundles/redoc.standalone.js"));
  return rendererScript;
}

/**
 * The browsable API reference: Redoc rendering the OpenAPI document the server publishes. Public
 * like the document itself (it shows the contract, never data); the API stays under /api and /ingest.
 */
export async function apiReferenceRoutes(app: FastifyInstance): Promise<void> {
  const hidden = { config: { public: true }, schema: { hide: true } };
  app.get(API_REFERENCE_PATH, hidden, async (_req, reply) =>
    withSecurityHeaders(reply).type("text/html; charset=utf-8").send(PAGE),
  );
  app.get(RENDERER_SCRIPT_PATH, hidden, async (_req, reply) =>
    withSecurityHeaders(reply)
      .type("text/javascript; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .send(await loadRendererScript()),
  );
}
