import { Type, type Static } from "@sinclair/typebox";
import { Channel, DateTime, EventTypeName, Metadata, Nullable, Uid } from "../common-schemas.ts";

/** The request and response shapes of the endpoint routes (endpoints.ts and the files it registers). */

const RateLimit = Type.Integer({ minimum: 1, maximum: 65535 });
/** Exact event-type names or wildcards: `invoice.*` matches every type that starts with `invoice.`. */
const EventTypeFilter = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.*]+$" });
const EventTypeList = Type.Array(EventTypeFilter, { maxItems: 1000 });
const ChannelList = Type.Array(Channel, { maxItems: 10 });
const Headers = Type.Record(Type.String(), Type.String({ maxLength: 8192 }));

/** Both generations of Svix field names are accepted: v1 filterTypes/rateLimit, v2 eventTypes/throttleRate. */
const endpointFields = {
  url: Type.String({ minLength: 1, maxLength: 65536 }),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  version: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }))),
  throttleRate: Type.Optional(Nullable(RateLimit)),
  rateLimit: Type.Optional(Nullable(RateLimit)),
  uid: Type.Optional(Nullable(Uid)),
  disabled: Type.Optional(Type.Boolean()),
  eventTypes: Type.Optional(Nullable(EventTypeList)),
  filterTypes: Type.Optional(Nullable(EventTypeList)),
  channels: Type.Optional(Nullable(ChannelList)),
  metadata: Type.Optional(Metadata),
  filter: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description:
          "Hookline: a JSONata expression over {eventType, payload, channels, msgId}; deliver only when truthy",
      }),
    ),
  ),
  format: Type.Optional(
    Type.Union([Type.Literal("standard"), Type.Literal("cloudevents-binary"), Type.Literal("cloudevents-structured")], {
      description: "Hookline: the request format (CloudEvents HTTP binding modes or plain Standard Webhooks)",
    }),
  ),
  ordered: Type.Optional(
    Type.Boolean({
      description: "Hookline: deliver strictly in message order; a failing message holds back later ones",
    }),
  ),
  cloudEventsHandshake: Type.Optional(
    Type.Boolean({ description: "Hookline: perform the CloudEvents validation handshake before the first delivery" }),
  ),
};
export const EndpointIn = Type.Object({
  ...endpointFields,
  signingScheme: Type.Optional(Type.Union([Type.Literal("hmac-sha256"), Type.Literal("ed25519")])),
  secret: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  headers: Type.Optional(Nullable(Headers)),
});
export type EndpointIn = Static<typeof EndpointIn>;
export const EndpointPatch = Type.Partial(
  Type.Object({
    ...endpointFields,
    // The v1 SDK's EndpointPatch carries it; a secret changes through …/secret/rotate (docs/api.md).
    secret: Nullable(
      Type.String({
        maxLength: 200,
        description: "Accepted for compatibility with the v1 Svix SDK and ignored: rotate the secret instead",
      }),
    ),
  }),
);
export type EndpointPatch = Static<typeof EndpointPatch>;

export const HeadersIn = Type.Object({ headers: Headers });
export const HeadersPatchIn = Type.Object({
  headers: Type.Record(Type.String(), Nullable(Type.String({ maxLength: 8192 }))),
  deleteHeaders: Type.Optional(Type.Array(Type.String())),
});
export const HeadersOut = Type.Object({ headers: Headers, sensitive: Type.Array(Type.String()) });
export const SecretOut = Type.Object({ key: Type.String() });
export const RotateIn = Type.Object({
  key: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  signingScheme: Type.Optional(Type.Union([Type.Literal("hmac-sha256"), Type.Literal("ed25519")])),
  gracePeriodSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 604_800 }))),
});
export const ExampleIn = Type.Object({
  eventType: EventTypeName,
  exampleIndex: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const StatsQuery = Type.Object({ since: Type.Optional(DateTime), until: Type.Optional(DateTime) });
export const StatsOut = Type.Object({
  success: Type.Integer(),
  pending: Type.Integer(),
  sending: Type.Integer(),
  fail: Type.Integer(),
  canceled: Type.Integer(),
});

/** The owner's key (app_id or source_id, by scope) and the endpoint's. */
export type Params = Record<string, string> & { endpoint_id: string };
