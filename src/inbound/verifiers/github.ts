import type { SourceVerifier } from "../verifier.ts";
import { secretOnlyConfigProblem } from "./shared/config-checks.ts";
import { signaturesEqual } from "./shared/constant-time.ts";
import { header } from "./shared/headers.ts";
import { redactSecrets } from "./shared/redact.ts";
import { hmac, mismatch, refuse, secretsOf } from "./shared/secrets.ts";

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`. No timestamp is
 * signed and `X-GitHub-Delivery` (the same GUID on a redelivery) is not, so replays are caught by
 * de-duplication on both the delivery id and the body's digest (signature scope `content`). The legacy SHA-1 `X-Hub-Signature` is never accepted: GitHub sends both, and
 * accepting SHA-1 alone would let the weaker one decide.
 */
export type GithubConfig = { secret?: string | null; fallbackSecret?: string | null };

const SIGNATURE = /^sha256=[0-9a-fA-F]{64}$/;

export const githubVerifier: SourceVerifier<GithubConfig> = {
  type: "github",
  // The secret is optional (as in Svix's GithubConfig): a webhook without one is accepted unverified.
  validateConfig: (config) => secretOnlyConfigProblem(config, false),

  verify(config, request) {
    const accepted = {
      ok: true as const,
      dedupeId: header(request, "x-github-delivery") ?? null,
      eventType: header(request, "x-github-event") ?? null,
    };
    const secrets = secretsOf(config);
    if (secrets.length === 0) return accepted;

    const signature = header(request, "x-hub-signature-256");
    if (signature === undefined) {
      return refuse(
        header(request, "x-hub-signature") === undefined
          ? "missing X-Hub-Signature-256 header"
          : "missing X-Hub-Signature-256 header (only the legacy SHA-1 X-Hub-Signature was sent; Hookline verifies SHA-256)",
      );
    }
    if (!SIGNATURE.test(signature)) return refuse('X-Hub-Signature-256 is not "sha256=" followed by 64 hex digits');
    const received = signature.slice("sha256=".length).toLowerCase();
    const matches = secrets.some((secret) =>
      signaturesEqual(received, hmac("sha256", secret, request.rawBody).toString("hex")),
    );
    return matches ? accepted : refuse(mismatch("signature", secrets.length));
  },

  signatureScope: (config) => (secretsOf(config).length > 0 ? "content" : "none"),
  redact: (config) => redactSecrets(config, ["secret", "fallbackSecret"]),
};
