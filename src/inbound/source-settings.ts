import { randomBytes } from "node:crypto";
import type { IngestSource, IngestSourceOptions } from "../core/entities.ts";
import { FieldError } from "../core/errors.ts";
import { isForbiddenForwardHeader } from "./forwarded-headers.ts";
import { SOURCE_TYPES, verifierFor } from "./verifier-registry.ts";

/**
 * Three days: Stripe retries an undelivered event for up to three days and Shopify for four hours,
 * so a redelivery inside that window is recognised; GitHub never retries by itself.
 */
export const DEFAULT_DEDUPE_WINDOW_SECONDS = 3 * 24 * 3600;
export const MAX_DEDUPE_WINDOW_SECONDS = 30 * 24 * 3600;

/** 24 random bytes (192 bits) in base64url: unguessable, and safe in a URL path. */
export const newIngestToken = (): string => randomBytes(24).toString("base64url");

/** The Hookline settings a create or patch may name; absent fields keep `current` (or the default). */
export interface SourceSettingsInput {
  dedupeWindowSeconds?: number;
  forwardHeaders?: string[] | null;
  response?: { status: number; contentType?: string; body?: string } | null;
  publicUrl?: string | null;
  allowedIps?: string[] | null;
  deniedIps?: string[] | null;
}

/** An address rule list as stored: trimmed entries; an empty list means no rule (null). */
const ruleList = (entries: string[] | null | undefined, current: string[] | null | undefined): string[] | null => {
  const list = entries === undefined ? (current ?? null) : entries;
  return list === null || list.length === 0 ? null : list.map((e) => e.trim());
};

export function sourceOptions(input: SourceSettingsInput, current?: IngestSourceOptions): IngestSourceOptions {
  const forwardHeaders = input.forwardHeaders === undefined ? (current?.forwardHeaders ?? null) : input.forwardHeaders;
  for (const name of forwardHeaders ?? []) {
    if (isForbiddenForwardHeader(name))
      throw new FieldError(
        ["forwardHeaders"],
        `"${name}" carries credentials or framing and is never forwarded`,
        "header",
      );
  }
  const response =
    input.response === undefined
      ? (current?.response ?? null)
      : input.response === null
        ? null
        : {
            status: input.response.status,
            contentType: input.response.contentType ?? "text/plain; charset=utf-8",
            body: input.response.body ?? "",
          };
  let publicUrl = input.publicUrl === undefined ? (current?.publicUrl ?? null) : input.publicUrl;
  if (publicUrl !== null) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(publicUrl);
    } catch {
      // reported below
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:"))
      throw new FieldError(["publicUrl"], "must be the absolute http(s) URL providers call", "url");
    publicUrl = parsed.toString();
  }
  return {
    dedupeWindowSeconds: input.dedupeWindowSeconds ?? current?.dedupeWindowSeconds ?? DEFAULT_DEDUPE_WINDOW_SECONDS,
    forwardHeaders: forwardHeaders && forwardHeaders.map((h) => h.toLowerCase()),
    response,
    publicUrl,
    allowedIps: ruleList(input.allowedIps, current?.allowedIps),
    deniedIps: ruleList(input.deniedIps, current?.deniedIps),
  };
}

/** Checks a source's type and provider config before anything is stored: a bad one is a 422, not a refusal later. */
export function checkSourceConfig(type: string, config: Record<string, unknown> | undefined): Record<string, unknown> {
  const verifier = verifierFor(type);
  if (!verifier) throw new FieldError(["type"], `must be one of ${SOURCE_TYPES.join(", ")}`, "enum");
  const value = config ?? {};
  const problem = verifier.validateConfig(value);
  if (problem !== null) throw new FieldError(["config"], problem, "value_error");
  return value;
}

/** The source's config as the API shows it: without secrets. */
export const redactedConfig = (source: IngestSource): Record<string, unknown> =>
  verifierFor(source.type)?.redact(source.config) ?? {};
