import type { EventType } from "../entities.ts";
import { FieldError } from "../errors.ts";

/** The `index`th example of any of the event type's schemas, or undefined. */
function exampleFor(eventType: Pick<EventType, "schemas">, index: number): unknown {
  for (const schema of Object.values(eventType.schemas ?? {})) {
    const examples = (schema as { examples?: unknown[] } | null)?.examples;
    if (Array.isArray(examples) && examples[index] !== undefined) return examples[index];
  }
  return undefined;
}

/**
 * What `…/send-example` sends: the event type's example (`exampleIndex`, default the first), or a
 * placeholder naming the type when its schemas carry none. An example must be a JSON object, as
 * every message payload is.
 */
export function examplePayload(
  eventType: Pick<EventType, "schemas">,
  name: string,
  index: number,
  nowIso: string,
): Record<string, unknown> {
  const payload = exampleFor(eventType, index) ?? { type: name, example: true, timestamp: nowIso };
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw new FieldError(["eventType"], "the event type's example is not a JSON object", "value_error");
  return payload as Record<string, unknown>;
}
