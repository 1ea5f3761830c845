import type { EndpointTransformation } from "./entities.ts";

/**
 * How an operational webhook endpoint receives its events: `standard`, the signed `{type, data}`
 * JSON; `slack`, a Slack incoming-webhook message (`{text}`); `teams`, a Microsoft Teams
 * incoming-webhook MessageCard. The chat formats are endpoint transformations (JSONata over
 * `{eventType, payload, channels, msgId}`) that the delivery engine already applies, so they are
 * signed, retried and logged like any delivery. The text is the alert notice's summary, or for
 * any other event its type and data (ids and times only: see operational-payloads.ts).
 */
export type OperationalFormat = "standard" | "slack" | "teams";

const TEXT = `(payload.data.summary ? payload.data.summary : "Hookline " & payload.type & ": " & $string(payload.data))`;

const RENDERERS: Record<Exclude<OperationalFormat, "standard">, string> = {
  slack: `{"text": ${TEXT}}`,
  teams:
    `{"@type": "MessageCard", "@context": "https://schema.org/extensions",` +
    ` "summary": "Hookline " & payload.type, "title": "Hookline " & payload.type,` +
    ` "themeColor": payload.type = "hookline.alert.resolved" ? "2EB886" : "D13438", "text": ${TEXT}}`,
};

/** The transformation that renders `format` (none for the standard format). */
export function transformationFor(format: OperationalFormat, now: number): EndpointTransformation | undefined {
  if (format === "standard") return undefined;
  return { code: RENDERERS[format], enabled: true, variables: null, updatedAt: now };
}
