import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CONSOLE_ASSETS_PREFIX, CONSOLE_PAGES } from "../console-pages.ts";

/** Where `npm run build:web` writes the console (web/console/vite.config.ts). */
export const CONSOLE_DIST = fileURLToPath(new URL("../../../web/console/dist/", import.meta.url));

/**
 * Only this server's own files run or load, and the page cannot be framed. Styles are files too;
 * the charts and React set element styles through the CSSOM, which a policy does not restrict.
 * `'report-sample'` puts the first 40 characters of a blocked style in the violation event, so a
 * violation says what was blocked (the browser tests print it), not only that something was.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'report-sample'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

interface Asset {
  body: Buffer;
  /**
   * The compressed body, made once on the first request that accepts it and kept: compressing
   * every file when the server starts was a noticeable part of the start-up (docs/benchmarks.md).
   */
  gzip: () => Buffer | null;
  type: string;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hookline console</title></head>
<body><main><h1>The console is not built</h1>
<p>Run <code>npm run build:web</code> (npm ci does it) and restart Hookline. The API is at /api/v1 and its reference at /docs.</p>
</main></body></html>
`;

function asset(body: Buffer, file: string): Asset {
  const type = TYPES[path.extname(file)] ?? "application/octet-stream";
  const compressible = /^(text\/|image\/svg|application\/json)/.test(type) && body.length > 1024;
  let gzip: Buffer | undefined;
  return { body, gzip: () => (compressible ? (gzip ??= gzipSync(body, { level: 9 })) : null), type };
}

/** Every file of the built console, by URL path; empty when it is not built. */
export function loadConsoleFiles(dist = CONSOLE_DIST): Map<string, Asset> {
  const files = new Map<string, Asset>();
  if (!existsSync(path.join(dist, "index.html"))) return files;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set("/" + path.relative(dist, full).split(path.sep).join("/"), asset(readFileSync(full), full));
    }
  };
  walk(dist);
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, file: Asset, cacheControl: string) {
  reply
    .header("content-security-policy", CONTENT_SECURITY_POLICY)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .header("x-frame-options", "DENY")
    .header("cache-control", cacheControl)
    .header("vary", "accept-encoding")
    .type(file.type);
  const gzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? "")) ? file.gzip() : null;
  if (gzip) return reply.header("content-encoding", "gzip").send(gzip);
  return reply.send(file.body);
}

/**
 * The web console, served by Hookline itself at `/` (docs/console.md): its pages (every path the
 * browser router owns answers the same index.html) and its hashed, immutable assets. The files are
 * built once at install time (`npm run build:web`, run by `npm ci`) and read once at start
 * (compressed on first use).
 * Public: the files hold no data; the data comes from the API, which needs a session.
 */
export async function consoleRoutes(app: FastifyInstance, options: { dist?: string } = {}): Promise<void> {
  const files = loadConsoleFiles(options.dist);
  const index = files.get("/index.html") ?? asset(Buffer.from(NOT_BUILT), "index.html");
  const hidden = { config: { public: true }, schema: { hide: true } };
  const page = async (request: FastifyRequest, reply: FastifyReply) => send(request, reply, index, "no-cache");
  app.get("/", hidden, page);
  for (const name of CONSOLE_PAGES) {
    app.get(`/${name}`, hidden, page);
    app.get(`/${name}/*`, hidden, page);
  }
  app.get(`${CONSOLE_ASSETS_PREFIX}*`, hidden, async (request, reply) => {
    const file = files.get(request.url.split("?")[0]!);
    if (!file) return reply.code(404).send({ code: "not_found", detail: `no console file ${request.url}` });
    // File names carry a hash of their content: a new build has new names.
    return send(request, reply, file, "public, max-age=31536000, immutable");
  });
}
