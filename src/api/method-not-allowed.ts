import type { FastifyInstance } from "fastify";

/**
 * Tells a wrong method from a wrong path. The router answers "not found" for both; the not-found
 * handler asks this registry which methods the path has, so a path that exists answers 405 with
 * `Allow` listing them instead of a 404 that suggests a typo in the path.
 */
export class RouteMethods {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];
  private readonly byUrl = new Map<string, Set<string>>();
  private readonly publicUrls = new Set<string>();

  /** Records every route added to `app` (and its child plugins) from now on. */
  constructor(app: FastifyInstance) {
    app.addHook("onRoute", (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      let known = this.byUrl.get(route.url);
      if (!known) {
        known = new Set();
        this.byUrl.set(route.url, known);
        this.routes.push({ pattern: patternOf(route.url), methods: known });
      }
      for (const m of methods) known.add(m.toUpperCase());
      if ((route.config as { public?: boolean } | undefined)?.public) this.publicUrls.add(route.url);
    });
  }

  /** Every route: its method, its URL as declared, and whether it answers without a token. */
  list(): { method: string; url: string; public: boolean }[] {
    return [...this.byUrl].flatMap(([url, methods]) =>
      [...methods].map((method) => ({ method, url, public: this.publicUrls.has(url) })),
    );
  }

  /** The methods some route takes at `path` (no query string), sorted; empty when no route has the path. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
    return [...out].sort();
  }
}

/** `/api/v1/app/:app_id` → a RegExp matching one non-empty segment per parameter, with or without a trailing slash. */
function patternOf(url: string): RegExp {
  const source = url
    .replace(/\/+$/, "")
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) return "[^/]+";
      if (segment === "*") return ".*";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}/?$`);
}
