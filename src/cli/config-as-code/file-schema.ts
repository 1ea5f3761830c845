import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { MAX_DEDUPE_WINDOW_SECONDS } from "../../inbound/source-settings.ts";
import { SOURCE_TYPES } from "../../inbound/verifier-registry.ts";

/**
 * The declarative file of `hookline plan` and `hookline apply` (docs/cli.md, "Configuration as
 * code"): event types by name, applications by uid with their endpoints by uid, inbound sources
 * by uid, and the environment's settings. It is also published as docs/hookline-config.schema.json, so an editor
 * completes and checks the file (test/config-as-code-file.test.ts keeps the two the same).
 *
 * A field left out is not managed: plan neither sets nor clears it. An environment export
 * (`hookline environment export`) is a valid file, so its fields that mean nothing here
 * (`version`, `createdAt`, timestamps, `connectors`) are accepted and ignored.
 */

const Name = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Ignored = (what: string) => Type.Optional(Type.Unknown({ description: `${what}; ignored` }));
const Metadata = Type.Record(Type.String(), Type.String(), { description: "string keys and values" });
const RateLimit = Nullable(Type.Integer({ minimum: 1, maximum: 65535, description: "deliveries per second" }));

/** `${ENV:NAME}`: the value of the variable NAME where plan or apply runs; never a literal secret. */
export const ENV_REFERENCE = /^\$\{ENV:([A-Za-z_][A-Za-z0-9_]*)\}$/;

export const EventTypeSpec = Type.Object(
  {
    name: Name,
    description: Type.String({ maxLength: 10_000 }),
    schemas: Type.Optional(
      Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schemas by version: {"1": {…}}' })),
    ),
    deprecated: Type.Optional(Type.Boolean()),
    archived: Type.Optional(Type.Boolean()),
    groupName: Type.Optional(Nullable(Name)),
    featureFlags: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 256 })))),
    retrySchedule: Type.Optional(Nullable(Type.Array(Type.Number({ minimum: 0 }), { description: "seconds" }))),
    featureFlag: Ignored("an export's singular feature flag"),
    createdAt: Ignored("an export's timestamp"),
    updatedAt: Ignored("an export's timestamp"),
  },
  { additionalProperties: false },
);

export const EndpointSpec = Type.Object(
  {
    uid: Name,
    url: Type.String({ minLength: 1, maxLength: 65_536, format: "uri" }),
    description: Type.Optional(Type.String()),
    eventTypes: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 })))),
    channels: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 })))),
    disabled: Type.Optional(Type.Boolean()),
    rateLimit: Type.Optional(RateLimit),
    metadata: Type.Optional(Metadata),
    filter: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    format: Type.Optional(
      Type.Union([
        Type.Literal("standard"),
        Type.Literal("cloudevents-binary"),
        Type.Literal("cloudevents-structured"),
      ]),
    ),
    ordered: Type.Optional(Type.Boolean()),
    secret: Type.Optional(
      Type.String({
        pattern: ENV_REFERENCE.source,
        description: "the signing secret, only as ${ENV:NAME}: a secret is never written in the file",
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The fields of a source's provider config that hold secrets, across every source type (the
 * fields each verifier in src/inbound/verifiers/ redacts; test/config-as-code-file.test.ts checks
 * the two agree). In a file they can only be `${ENV:NAME}`, as an endpoint's secret.
 */
export const SOURCE_SECRET_FIELDS = ["secret", "fallbackSecret", "password", "fallbackPassword", "key", "fallbackKey"];

const SecretReference = (what: string) =>
  Type.Optional(
    Type.String({
      pattern: ENV_REFERENCE.source,
      description: `${what}, only as \${ENV:NAME}: a secret is never written in the file`,
    }),
  );

export const SourceSpec = Type.Object(
  {
    uid: Type.String({ minLength: 1, maxLength: 60, pattern: "^(?!src_)[a-zA-Z0-9_-]+$" }),
    name: Type.String({ minLength: 2, maxLength: 256 }),
    type: Type.Union(
      SOURCE_TYPES.map((t) => Type.Literal(t)),
      { description: "how requests are verified (docs/inbound-sources.md)" },
    ),
    config: Type.Optional(
      Type.Object(
        {
          secret: SecretReference("the provider's signing secret"),
          fallbackSecret: SecretReference("the previous signing secret, while rotating"),
          password: SecretReference("basic-auth: the password"),
          fallbackPassword: SecretReference("basic-auth: the previous password"),
          key: SecretReference("api-key: the key"),
          fallbackKey: SecretReference("api-key: the previous key"),
        },
        {
          additionalProperties: true,
          description:
            "the provider config of the type (docs/inbound-sources.md), managed as a whole; any value may be ${ENV:NAME}",
        },
      ),
    ),
    metadata: Type.Optional(Metadata),
    dedupeWindowSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_DEDUPE_WINDOW_SECONDS })),
    forwardHeaders: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 256 })))),
    response: Type.Optional(
      Nullable(
        Type.Object(
          {
            status: Type.Integer({ minimum: 200, maximum: 299 }),
            contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            body: Type.Optional(Type.String({ maxLength: 10_000 })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    publicUrl: Type.Optional(Nullable(Type.String({ maxLength: 2048, format: "uri" }))),
    allowedIps: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 })))),
    deniedIps: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 })))),
  },
  { additionalProperties: false },
);

export const ApplicationSpec = Type.Object(
  {
    uid: Name,
    name: Type.String({ minLength: 1, maxLength: 256 }),
    rateLimit: Type.Optional(RateLimit),
    metadata: Type.Optional(Metadata),
    endpoints: Type.Optional(Type.Array(EndpointSpec)),
  },
  { additionalProperties: false },
);

export const ConfigFile = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    eventTypes: Type.Optional(Type.Array(EventTypeSpec)),
    applications: Type.Optional(Type.Array(ApplicationSpec)),
    sources: Type.Optional(Type.Array(SourceSpec, { description: "inbound sources, by uid" })),
    settings: Type.Optional(
      Nullable(
        Type.Record(Type.String(), Type.Unknown(), { description: "the environment's settings (Svix's names)" }),
      ),
    ),
    version: Ignored("an export's format version"),
    skipped: Ignored("an export's list of applications and endpoints it left out (no uid)"),
    createdAt: Ignored("an export's time"),
    connectors: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 0, description: "must be empty" })),
  },
  {
    additionalProperties: false,
    title: "Hookline configuration (hookline plan / hookline apply)",
  },
);

export type ConfigFile = Static<typeof ConfigFile>;
export type EventTypeSpec = Static<typeof EventTypeSpec>;
export type ApplicationSpec = Static<typeof ApplicationSpec>;
export type EndpointSpec = Static<typeof EndpointSpec>;
export type SourceSpec = Static<typeof SourceSpec>;

/** The published JSON Schema (docs/hookline-config.schema.json): TypeBox's markers are not JSON. */
export const publishedSchema = () => ({
  $schema: "http://json-schema.org/draft-07/schema#",
  ...(JSON.parse(JSON.stringify(ConfigFile)) as Record<string, unknown>),
});
