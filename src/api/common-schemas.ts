import { MAX_INLINE_ENTRIES } from "../access/address-set.ts";
import { Type, type TSchema } from "@sinclair/typebox";

/** Schemas shared by several resources, in the Svix API's shapes. */

export const Uid = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" });
export const EventTypeName = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" });
/**
 * Channel and tag names in the character sets Svix allows (channels `project:123`, `a+b`; tags also
 * `/`, `\` and `#`). Refusing the rest as Svix does keeps an integration portable both ways.
 */
export const Channel = Type.String({ minLength: 1, maxLength: 128, pattern: "^[a-zA-Z0-9\\-_.:+]+$" });
export const Tag = Type.String({ minLength: 1, maxLength: 128, pattern: "^[a-zA-Z0-9\\-_./\\\\#]+$" });
export const Metadata = Type.Record(Type.String(), Type.String());
export const DateTime = Type.String({ format: "date-time" });
export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) =>
  Type.Union([schema, Type.Null()], options);

export const MessageStatus = Type.Integer({
  minimum: 0,
  maximum: 4,
  description: "0 success, 1 pending, 2 fail, 3 sending (retrying), 4 canceled",
});
export const MessageStatusText = Type.Union([
  Type.Literal("success"),
  Type.Literal("pending"),
  Type.Literal("fail"),
  Type.Literal("sending"),
  Type.Literal("canceled"),
]);

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 250, default: 50 })),
  iterator: Type.Optional(Type.String({ maxLength: 300 })),
  order: Type.Optional(Type.Union([Type.Literal("ascending"), Type.Literal("descending")])),
});

export const ListResponse = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    iterator: Nullable(Type.String()),
    prevIterator: Nullable(Type.String()),
    done: Type.Boolean(),
  });

export const HttpError = Type.Object({
  code: Type.String({ description: "A stable, machine-readable error code, e.g. `not_found`" }),
  detail: Type.String({ description: "What went wrong, in words" }),
});
export const ValidationErrors = Type.Object({
  detail: Type.Array(
    Type.Object({
      loc: Type.Array(Type.String(), { description: 'Where the refused value is, e.g. `["body", "url"]`' }),
      msg: Type.String({ description: "Why it was refused" }),
      type: Type.String({ description: "The kind of error, e.g. `value_error`" }),
    }),
    { description: "One entry per refused value" },
  ),
});

/** Error responses every authenticated route may give, for the OpenAPI document. */
export const errorResponses = {
  400: HttpError,
  401: HttpError,
  404: HttpError,
  409: HttpError,
  413: HttpError,
  422: ValidationErrors,
};

/**
 * A path segment naming a resource: an id or a uid (or, for messages, an eventId), all of which
 * share this alphabet. Refusing anything else here (422) matters because a PUT may adopt the
 * path value as a new uid.
 */
export const PathKey = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" });
export const AppParams = Type.Object({ app_id: PathKey });
export const EndpointParams = Type.Object({ app_id: PathKey, endpoint_id: PathKey });
export const MessageParams = Type.Object({ app_id: PathKey, msg_id: PathKey });

/**
 * An allow or deny list: addresses, CIDRs and `list:NAME` references to named lists, at most
 * MAX_INLINE_ENTRIES (src/access/address-set.ts); each entry is checked by checkAddressRules.
 */
export const AddressRuleList = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: MAX_INLINE_ENTRIES, description });
