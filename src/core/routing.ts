import type { Endpoint } from "./entities.ts";

const patterns = new Map<string, RegExp>();

/**
 * An event-type filter entry: an exact name, or a wildcard where `*` stands for any run of
 * characters, dots included (`invoice.*` matches `invoice.paid` and `invoice.line.added`).
 */
export function eventTypeMatches(filter: string, eventType: string): boolean {
  if (!filter.includes("*")) return filter === eventType;
  let pattern = patterns.get(filter);
  if (!pattern) {
    const source = filter
      .split("*")
      .map((part) => part.replace(/[.\\^$+?()[\]{}|-]/g, "\\$&"))
      .join(".*");
    pattern = new RegExp(`^${source}$`);
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(filter, pattern);
  }
  return pattern.test(eventType);
}

/**
 * Whether a message goes to an endpoint: the endpoint is enabled, its event-type filter (if any)
 * matches the message's type, and, if it subscribes to channels, the message is on one of them.
 * Endpoints without channels receive messages on every channel, as in Svix. (The JSONata payload
 * filter runs later, in the worker, where its verdict is recorded in the attempt log.)
 */
export function routesTo(endpoint: Endpoint, eventType: string, channels: string[] | null): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.eventTypes && endpoint.eventTypes.length > 0) {
    if (!endpoint.eventTypes.some((filter) => eventTypeMatches(filter, eventType))) return false;
  }
  if (endpoint.channels && endpoint.channels.length > 0) {
    if (!channels || !channels.some((c) => endpoint.channels!.includes(c))) return false;
  }
  return true;
}
