import type { Endpoint } from "./entities.ts";

/**
 * Whether a message goes to an endpoint: the endpoint is enabled, its event-type filter (if any)
 * names the message's type, and, if it subscribes to channels, the message is on one of them.
 * Endpoints without channels receive messages on every channel, as in Svix.
 */
export function routesTo(endpoint: Endpoint, eventType: string, channels: string[] | null): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.eventTypes && endpoint.eventTypes.length > 0 && !endpoint.eventTypes.includes(eventType)) return false;
  if (endpoint.channels && endpoint.channels.length > 0) {
    if (!channels || !channels.some((c) => endpoint.channels!.includes(c))) return false;
  }
  return true;
}
