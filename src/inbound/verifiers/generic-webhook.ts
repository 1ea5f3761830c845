import type { InboundRequest, SourceVerifier } from "../verifier.ts";
import { jsonObject, stringField } from "./shared/body.ts";
import { configObject } from "./shared/config-checks.ts";
import { header, mediaType } from "./shared/headers.ts";

/**
 * Webhooks with no verification scheme: every request is accepted (the source's secret ingest URL
 * is the only protection). Also the naming rules that `basic-auth` and `api-key` share.
 */
export type GenericWebhookConfig = Record<string, never>;

export const genericWebhookVerifier: SourceVerifier<GenericWebhookConfig> = {
  type: "generic-webhook",
  validateConfig(config) {
    const object = configObject(config, []);
    return typeof object === "string" ? object : null;
  },
  verify: (_config, request) => ({ ok: true, ...describeGeneric(request) }),
  signatureScope: () => "none",
  redact: () => ({}),
};

/**
 * Names a request from conventions many senders follow, first match wins.
 * dedupeId: `Idempotency-Key`, then `webhook-id` (Standard Webhooks), then CloudEvents' id
 * (`ce-id` in binary mode, the body's `id` in structured mode).
 * eventType: CloudEvents' type (`ce-type`, or the structured body's `type`), then a JSON body's
 * top-level string `type` (the Standard Webhooks payload shape).
 */
export function describeGeneric(request: InboundRequest): { dedupeId: string | null; eventType: string | null } {
  const body = mediaType(request).endsWith("json") ? jsonObject(request.rawBody) : undefined;
  const structuredCloudEvent = mediaType(request) === "application/cloudevents+json";
  return {
    dedupeId:
      header(request, "idempotency-key", "webhook-id", "ce-id") ??
      (structuredCloudEvent ? stringField(body, "id") : undefined) ??
      null,
    eventType: header(request, "ce-type") ?? stringField(body, "type") ?? null,
  };
}
