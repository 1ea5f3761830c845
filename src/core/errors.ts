/**
 * An error that is the caller's to fix, answered with its status and a Svix-shaped body
 * (`{code, detail}`). Anything else that escapes a route is a bug and becomes a 500.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const conflict = (detail: string) => new ApiError(409, "conflict", detail);
export const badRequest = (detail: string) => new ApiError(400, "bad_request", detail);

/** A 422 for one field, shaped like the schema validator's own answers; of the body unless `part` says otherwise. */
export class FieldError extends Error {
  constructor(
    readonly loc: (string | number)[],
    readonly msg: string,
    readonly type = "value_error",
    readonly part: "body" | "query" = "body",
  ) {
    super(msg);
  }
}

/**
 * A write carried an idempotency key that another request (possibly in another process)
 * committed first: the caller answers with that request's stored response instead.
 */
export class DuplicateIdempotencyKey extends Error {
  constructor() {
    super("idempotency key already used");
  }
}
