import type { SourceVerifier } from "../verifier.ts";
import {
  configObject,
  firstProblem,
  headerNameProblem,
  secretPairProblem,
  stringProblem,
} from "./shared/config-checks.ts";
import { credentialsEqual } from "./shared/constant-time.ts";
import { header } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { mismatch, refuse, secretsOf } from "./shared/secrets.ts";
import { describeGeneric } from "./generic-webhook.ts";

/**
 * A static key in a header (`X-Api-Key: <key>`, or `Authorization: Bearer <key>` with
 * `prefix: "Bearer "`). Nothing is signed, so the body is not authenticated: only who sent it.
 * Naming as for generic-webhook.
 */
export type ApiKeyConfig = { header: string; key: string; fallbackKey?: string | null; prefix?: string | null };

export const apiKeyVerifier: SourceVerifier<ApiKeyConfig> = {
  type: "api-key",
  validateConfig(config) {
    const object = configObject(config, ["header", "key", "fallbackKey", "prefix"]);
    if (typeof object === "string") return object;
    return firstProblem(
      headerNameProblem(object, "header", true),
      secretPairProblem(object, "key", true),
      stringProblem(object, "prefix"),
    );
  },

  verify(config, request) {
    let value = header(request, config.header);
    if (value === undefined) return refuse(`missing ${config.header} header`);
    const prefix = config.prefix ?? "";
    if (prefix !== "") {
      // Auth schemes such as `Bearer` are case-insensitive (RFC 9110 §11.1).
      if (value.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
        return refuse(`${config.header} does not start with ${JSON.stringify(prefix)}`);
      }
      value = value.slice(prefix.length).trim();
    }
    const keys = secretsOf(config, "key");
    const received = value;
    if (!keys.map((key) => credentialsEqual(received, key)).some(Boolean)) {
      return refuse(mismatch("key", keys.length, "key"));
    }
    return { ok: true, ...describeGeneric(request) };
  },

  signatureScope: () => "none",
  redact: (config) => redactSecrets(config, ["key", "fallbackKey"]),
};
