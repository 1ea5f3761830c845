/**
 * What each inbound source type asks for (docs/inbound-sources.md, src/inbound/verifiers/): the
 * form of the Inbound page shows exactly these fields for the chosen type. Secret fields are
 * write-only: the API shows only whether they are set (`hasSecret`).
 */
export interface SourceField {
  /** The config field's name in the API. */
  name: string;
  label: string;
  hint?: string;
  required?: boolean;
  secret?: boolean;
  kind?: "text" | "number" | "textarea" | "select";
  options?: readonly string[];
  placeholder?: string;
}

export interface SourceTypeForm {
  type: string;
  label: string;
  /** One sentence: what is verified. */
  verifies: string;
  fields: SourceField[];
}

const previous = (what: string): SourceField => ({
  name: "fallbackSecret",
  label: `Previous ${what} (optional)`,
  hint: "Also accepted while the provider changes over; remove it once the rotation is done.",
  secret: true,
});

export const SOURCE_TYPE_FORMS: readonly SourceTypeForm[] = [
  {
    type: "github",
    label: "GitHub",
    verifies: "X-Hub-Signature-256 (HMAC-SHA256 of the body).",
    fields: [
      {
        name: "secret",
        label: "Webhook secret",
        hint: "The secret set on the GitHub webhook. Without one, requests are accepted unverified.",
        secret: true,
      },
      previous("webhook secret"),
    ],
  },
  {
    type: "stripe",
    label: "Stripe",
    verifies: "Stripe-Signature (timestamped HMAC-SHA256, 300 s tolerance).",
    fields: [
      { name: "secret", label: "Signing secret", placeholder: "whsec_…", required: true, secret: true },
      previous("signing secret"),
    ],
  },
  {
    type: "shopify",
    label: "Shopify",
    verifies: "X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the body).",
    fields: [{ name: "secret", label: "App client secret", required: true, secret: true }, previous("client secret")],
  },
  {
    type: "slack",
    label: "Slack",
    verifies: "X-Slack-Signature with X-Slack-Request-Timestamp (300 s tolerance); URL verification answered.",
    fields: [{ name: "secret", label: "Signing secret", required: true, secret: true }, previous("signing secret")],
  },
  {
    type: "twilio",
    label: "Twilio",
    verifies: "X-Twilio-Signature (HMAC-SHA1 of the URL and parameters).",
    fields: [{ name: "secret", label: "Auth token", required: true, secret: true }, previous("auth token")],
  },
  {
    type: "svix",
    label: "Standard Webhooks (Svix)",
    verifies: "webhook-id, webhook-timestamp and webhook-signature (v1 HMAC or v1a ed25519, 300 s tolerance).",
    fields: [
      {
        name: "secret",
        label: "Signing secret or public key",
        placeholder: "whsec_… or whpk_…",
        required: true,
        secret: true,
      },
      previous("secret"),
    ],
  },
  {
    type: "generic-webhook",
    label: "Generic webhook",
    verifies: "Nothing: the ingest URL is the only protection.",
    fields: [],
  },
  {
    type: "hmac",
    label: "Custom HMAC",
    verifies: "A signature header you describe: HMAC of a template of the request.",
    fields: [
      { name: "header", label: "Signature header", placeholder: "X-Signature", required: true },
      { name: "secret", label: "Secret", required: true, secret: true },
      previous("secret"),
      { name: "secretEncoding", label: "Secret encoding", kind: "select", options: ["utf8", "base64", "hex"] },
      { name: "algorithm", label: "Algorithm", kind: "select", options: ["sha256", "sha1", "sha512"] },
      { name: "encoding", label: "Signature encoding", kind: "select", options: ["hex", "base64"] },
      { name: "prefix", label: "Signature prefix", placeholder: "sha256=" },
      { name: "timestampHeader", label: "Timestamp header", hint: "Enables the replay check." },
      { name: "timestampUnit", label: "Timestamp unit", kind: "select", options: ["s", "ms"] },
      { name: "toleranceSeconds", label: "Tolerance (seconds)", kind: "number", placeholder: "300" },
      {
        name: "signedContent",
        label: "Signed content",
        placeholder: "{timestamp}.{body}",
        hint: "Must contain {body}; may contain {timestamp}, {id}, {url}.",
      },
      { name: "idHeader", label: "Delivery id header" },
      { name: "eventTypeHeader", label: "Event type header" },
    ],
  },
  {
    type: "basic-auth",
    label: "Basic authentication",
    verifies: "Authorization: Basic with this username and password.",
    fields: [
      { name: "username", label: "Username", required: true },
      { name: "password", label: "Password", required: true, secret: true },
      {
        name: "fallbackPassword",
        label: "Previous password (optional)",
        secret: true,
        hint: "Also accepted during a rotation.",
      },
    ],
  },
  {
    type: "api-key",
    label: "API key header",
    verifies: "A header carrying this key.",
    fields: [
      { name: "header", label: "Header", placeholder: "X-Api-Key", required: true },
      { name: "key", label: "Key", required: true, secret: true },
      { name: "fallbackKey", label: "Previous key (optional)", secret: true, hint: "Also accepted during a rotation." },
      { name: "prefix", label: "Prefix", placeholder: "Bearer " },
    ],
  },
  {
    type: "cron",
    label: "Schedule (cron)",
    verifies: "Receives nothing: emits the payload on the schedule (UTC).",
    fields: [
      { name: "schedule", label: "Schedule", placeholder: "*/5 * * * *", required: true },
      { name: "payload", label: "Payload", kind: "textarea", required: true, placeholder: '{"tick": true}' },
      { name: "contentType", label: "Content type", placeholder: "application/json" },
    ],
  },
];

export const formOf = (type: string): SourceTypeForm | undefined => SOURCE_TYPE_FORMS.find((f) => f.type === type);

/** The config to send from the form's values: empty fields left out, numbers as numbers. */
export function configFrom(form: SourceTypeForm, values: Record<string, string>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of form.fields) {
    const v = values[f.name] ?? "";
    if (v === "") continue;
    config[f.name] = f.kind === "number" ? Number(v) : v;
  }
  return config;
}
