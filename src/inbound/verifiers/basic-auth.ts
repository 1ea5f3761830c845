import type { SourceVerifier } from "../verifier.ts";
import { configObject, firstProblem, secretPairProblem, stringProblem } from "./shared/config-checks.ts";
import { credentialsEqual } from "./shared/constant-time.ts";
import { header } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { mismatch, refuse, secretsOf } from "./shared/secrets.ts";
import { describeGeneric } from "./generic-webhook.ts";

/**
 * HTTP Basic authentication (RFC 7617): `Authorization: Basic base64(username:password)`, for
 * senders that can only put credentials in the webhook URL or settings. Nothing is signed, so the
 * body is not authenticated: only who sent it. Naming as for generic-webhook.
 */
export type BasicAuthConfig = { username: string; password: string; fallbackPassword?: string | null };

export const basicAuthVerifier: SourceVerifier<BasicAuthConfig> = {
  type: "basic-auth",
  validateConfig(config) {
    const object = configObject(config, ["username", "password", "fallbackPassword"]);
    if (typeof object === "string") return object;
    return firstProblem(
      // RFC 7617: the user-id cannot contain a colon (the first colon ends it).
      stringProblem(object, "username", { required: true, pattern: /^[^:]*$/, patternText: "cannot contain a colon" }),
      secretPairProblem(object, "password", true),
    );
  },

  verify(config, request) {
    const authorization = header(request, "authorization");
    if (authorization === undefined) return refuse("missing Authorization header");
    const match = /^basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(authorization);
    if (!match) return refuse("Authorization header is not Basic credentials");
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return refuse("Basic credentials have no colon between username and password");

    const passwords = secretsOf(config, "password");
    // Both halves are always compared, so the time taken does not tell whether the username was right.
    const userOk = credentialsEqual(decoded.slice(0, colon), config.username);
    const passwordOk = passwords.map((p) => credentialsEqual(decoded.slice(colon + 1), p)).some(Boolean);
    if (!(userOk && passwordOk)) return refuse(mismatch("username or password", passwords.length, "password"));
    return { ok: true, ...describeGeneric(request) };
  },

  signatureScope: () => "none",
  redact: (config) => redactSecrets(config, ["password", "fallbackPassword"]),
};
