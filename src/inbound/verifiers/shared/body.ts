/**
 * Reading fields out of a body that has already been verified. A body that is not what the
 * provider documents is still authentic, so these return undefined instead of throwing: the event
 * is stored and forwarded, only without a dedupe id or event type.
 */

export function jsonObject(rawBody: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(rawBody.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function stringField(object: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `application/x-www-form-urlencoded` fields; a repeated key keeps all its values, in order. */
export function formFields(rawBody: Buffer): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(rawBody.toString("utf8"))) {
    const values = fields.get(key);
    if (values) values.push(value);
    else fields.set(key, [value]);
  }
  return fields;
}
