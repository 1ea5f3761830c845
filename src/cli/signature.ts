import { randomBytes } from "node:crypto";
import { ed25519PublicKey, isEd25519Secret, signatureHeader, signingKeyOf } from "../core/signing.ts";
import { standardWebhooksKeyProblem } from "../inbound/verifiers/standard-webhooks-keys.ts";
import { svixVerifier } from "../inbound/verifiers/svix.ts";
import { flagString, type CommandContext, type Family } from "./command.ts";
import { CliError, EXIT, usageError } from "./exit-codes.ts";
import { readInputBytes } from "./input.ts";
import { printJson } from "./output.ts";

/**
 * `hookline signature sign|verify`: Standard Webhooks signatures computed locally, with the same
 * code the server signs deliveries with (src/core/signing.ts) and verifies inbound Standard
 * Webhooks sources with (src/inbound/verifiers/svix.ts). Nothing is sent anywhere.
 */
function body(c: CommandContext): Buffer {
  const bytes = readInputBytes(c.parsed, c.readStdin);
  if (bytes === undefined) throw usageError("give the body with --data, --data @file or -f file (- is stdin)");
  return bytes;
}

function secretFlag(c: CommandContext): string {
  return flagString(c, "secret")!;
}

function timestampFlag(c: CommandContext, fallback: number | undefined): number {
  const text = flagString(c, "timestamp");
  if (text === undefined) {
    if (fallback === undefined) throw usageError("--timestamp is required");
    return fallback;
  }
  if (!/^\d{1,12}$/.test(text)) throw usageError("--timestamp takes Unix seconds");
  return Number(text);
}

async function sign(c: CommandContext): Promise<void> {
  const secret = secretFlag(c);
  if (isEd25519Secret(secret) ? false : standardWebhooksKeyProblem("secret", secret) !== null)
    throw usageError("--secret is not a Standard Webhooks secret (whsec_ + base64 of 24–64 bytes, or whsk_…)");
  const id = flagString(c, "id") ?? `msg_${randomBytes(12).toString("hex")}`;
  const timestamp = timestampFlag(c, Math.floor(Date.now() / 1000));
  const signature = signatureHeader([signingKeyOf(secret)], id, timestamp, body(c));
  const headers = { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
  if (c.out.json) printJson(c.out, headers);
  else
    c.out.write(
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join("\n") + "\n",
    );
}

async function verify(c: CommandContext): Promise<number> {
  let secret = secretFlag(c);
  // A signing secret verifies through its public half, as a receiver would.
  if (isEd25519Secret(secret)) secret = ed25519PublicKey(secret);
  const problem = standardWebhooksKeyProblem("secret", secret);
  if (problem !== null) throw usageError(`--secret: ${problem.replace(/^config\.secret /, "")}`);
  const id = flagString(c, "id")!;
  const timestamp = timestampFlag(c, undefined);
  const ignoreTimestamp = c.parsed.flags["ignore-timestamp"] === true;
  const result = svixVerifier.verify(
    { secret },
    {
      method: "POST",
      url: "http://localhost/",
      headers: {
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": flagString(c, "signature")!,
      },
      rawBody: body(c),
      // Verifying a captured delivery later: judge it at its own time.
      now: ignoreTimestamp ? timestamp * 1000 : Date.now(),
    },
  );
  if (result.ok) {
    if (c.out.json) printJson(c.out, { valid: true });
    else c.out.write("valid\n");
    return EXIT.ok;
  }
  if (c.out.json) printJson(c.out, { valid: false, reason: result.reason });
  throw new CliError(`signature is not valid: ${result.reason}`, EXIT.failure);
}

const SECRET_FLAG = { name: "secret", value: "<whsec_…>", description: "the endpoint's secret", required: true };

export const signatureCommands: Family = {
  name: "signature",
  summary: "sign or verify a payload as Standard Webhooks does (locally)",
  subcommands: [
    {
      name: "sign",
      summary: "print the webhook-id, webhook-timestamp and webhook-signature headers for a body",
      connects: false,
      input: true,
      flags: [
        { ...SECRET_FLAG, description: "the secret to sign with (whsec_… or an ed25519 whsk_…)" },
        { name: "id", value: "<msg-id>", description: "the webhook-id", default: "a random msg_…" },
        { name: "timestamp", value: "<unix-seconds>", description: "the webhook-timestamp", default: "now" },
      ],
      example: 'hookline signature sign --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw --data \'{"type":"ping"}\'',
      run: sign,
    },
    {
      name: "verify",
      summary: "check a body's signature; exits 0 when valid, 1 when not",
      connects: false,
      input: true,
      flags: [
        { ...SECRET_FLAG, description: "the secret (whsec_…) or ed25519 public key (whpk_…)" },
        { name: "id", value: "<msg-id>", description: "the webhook-id header", required: true },
        { name: "timestamp", value: "<unix-seconds>", description: "the webhook-timestamp header", required: true },
        { name: "signature", value: "<v1,…>", description: "the webhook-signature header", required: true },
        { name: "ignore-timestamp", description: "skip the 5-minute freshness check (a captured delivery)" },
      ],
      description: "The body must be the exact bytes received; -f - reads them from stdin.",
      example:
        "hookline signature verify --secret whsec_… --id msg_1 --timestamp 1767225600 --signature 'v1,…' -f body.json",
      run: verify,
    },
  ],
};
