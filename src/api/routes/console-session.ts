import { timingSafeEqual } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { issueToken } from "../../core/api-tokens.ts";
import { AUTH_FAILURES, hashToken } from "../auth.ts";
import {
  clearedSessionCookie,
  csrfRefusal,
  readCookie,
  SESSION_COOKIE,
  SESSION_TOKEN_NAME,
  SESSION_TTL_MS,
  sessionCookie,
} from "../console-session.ts";
import type { RouteOptions } from "../http-server.ts";

export const CONSOLE_SESSION_PATH = "/api/v1/console/session";

const SignIn = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1024 }) });

/** Hidden from the OpenAPI document: the console's own plumbing, described in docs/console.md. */
const hidden = { hide: true };

const isSecure = (request: FastifyRequest) => request.protocol === "https";

function refuse(reply: FastifyReply, status: number, code: string, detail: string) {
  return reply.code(status).send({ code, detail });
}

/**
 * Signing in to the web console and out of it. Signing in takes an admin token (the bootstrap
 * token or an issued token not confined to an application) and answers with a session cookie
 * holding a new admin token that expires after SESSION_TTL_MS; an application's token (the
 * consumer portal's) is refused. Logging out revokes that token and clears the cookie.
 */
export async function consoleSessionRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Body: Static<typeof SignIn> }>(
    CONSOLE_SESSION_PATH,
    { config: { public: true }, schema: { ...hidden, body: SignIn } },
    async (req, reply) => {
      const refused = csrfRefusal(req);
      if (refused !== null) return refuse(reply, 403, "forbidden", refused);
      const hash = hashToken(req.body.token.trim());
      const now = ctx.clock.now();
      let signedInBy: string;
      if (timingSafeEqual(hash, ctx.adminTokenHash)) {
        signedInBy = "admin";
      } else {
        const token = await ctx.store.tokens.byHash(hash.toString("hex"));
        if (!token) return refuse(reply, 401, "authentication_failed", AUTH_FAILURES.unknown);
        if (token.revokedAt !== null && token.revokedAt <= now)
          return refuse(reply, 401, "authentication_failed", AUTH_FAILURES.revoked);
        if (token.expiresAt !== null && token.expiresAt <= now)
          return refuse(reply, 401, "authentication_failed", AUTH_FAILURES.expired);
        if (token.appId !== null)
          return refuse(
            reply,
            403,
            "forbidden",
            "this token is confined to one application; the console needs an admin token",
          );
        signedInBy = token.id;
      }
      const expiresAt = now + SESSION_TTL_MS;
      const { token, record } = issueToken("admin", {
        appId: null,
        name: SESSION_TOKEN_NAME,
        now,
        expiresAt,
      });
      await ctx.store.tokens.insert(record);
      // The audit log records who opened the session.
      req.principal = signedInBy;
      return reply
        .code(201)
        .header("set-cookie", sessionCookie(token, SESSION_TTL_MS, isSecure(req)))
        .header("cache-control", "no-store")
        .send({ expiresAt: new Date(expiresAt).toISOString() });
    },
  );

  // Who is signed in: the console asks on load, and a 401 sends it to the sign-in page. Application
  // tokens never get here (auth.ts's table does not list this route for them).
  app.get(CONSOLE_SESSION_PATH, { schema: hidden }, async (req) => {
    const token = req.principal === "admin" ? undefined : await ctx.store.tokens.get(req.principal);
    return {
      principal: req.principal,
      expiresAt: token?.expiresAt ? new Date(token.expiresAt).toISOString() : null,
    };
  });

  // Public, so that a session that has already expired can still clear its cookie.
  app.delete(CONSOLE_SESSION_PATH, { config: { public: true }, schema: hidden }, async (req, reply) => {
    const refused = csrfRefusal(req);
    if (refused !== null) return refuse(reply, 403, "forbidden", refused);
    const presented = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (presented) {
      const token = await ctx.store.tokens.byHash(hashToken(presented).toString("hex"));
      // Only a console session's token is revoked this way, never a token someone pasted into the cookie.
      if (token && token.name === SESSION_TOKEN_NAME && token.appId === null && token.revokedAt === null) {
        await ctx.store.tokens.revoke(token.id, ctx.clock.now());
        app.forgetToken(token.tokenHash);
        req.principal = token.id;
      }
    }
    return reply
      .code(204)
      .header("set-cookie", clearedSessionCookie(isSecure(req)))
      .send();
  });
}
