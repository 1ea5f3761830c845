import { FieldError } from "./errors.ts";
import type { Message } from "./entities.ts";

/**
 * Scheduled messages (the API's `deliverAt`). A message scheduled later is stored with its
 * deliveries already due at that time: nothing is handed to a worker at creation, the poll (or a
 * timer of the creating process's worker, see Dispatcher.wakeAt) claims them once due, and a
 * restart loses nothing because the due time is in the delivery rows. docs/api.md documents the limits.
 */

/**
 * How far in the past `deliverAt` may be and still be accepted (then delivered at once): the
 * sender's clock may run a little behind ours.
 */
export const DELIVER_AT_SKEW_MS = 60_000;

/** How far ahead a message may be scheduled: Svix documents 24 hours as its maximum. */
export const DELIVER_AT_HORIZON_MS = 24 * 3_600_000;

/**
 * Checks a requested delivery time against the server clock; returns it in ms, or null when none
 * was asked for. Refuses (422) a time further in the past than the skew tolerance or beyond the horizon.
 */
export function requestedDeliverAt(deliverAt: string | null | undefined, now: number): number | null {
  if (deliverAt === null || deliverAt === undefined) return null;
  const at = Date.parse(deliverAt);
  if (Number.isNaN(at)) throw new FieldError(["deliverAt"], "is not a valid date-time", "value_error.datetime");
  if (at < now - DELIVER_AT_SKEW_MS) {
    throw new FieldError(["deliverAt"], "must not be in the past", "value_error.deliver_at.past");
  }
  if (at > now + DELIVER_AT_HORIZON_MS) {
    throw new FieldError(["deliverAt"], "must be at most 24 hours in the future", "value_error.deliver_at.horizon");
  }
  return at;
}

/** Whether the message waits for its delivery time rather than going out at once. */
export const isScheduled = (
  m: Pick<Message, "deliverAt" | "createdAt">,
): m is { deliverAt: number; createdAt: number } =>
  m.deliverAt !== null && m.deliverAt !== undefined && m.deliverAt > m.createdAt;

/** When the message's deliveries first become due: its delivery time if later, else its creation. */
export const firstAttemptAt = (m: Pick<Message, "deliverAt" | "createdAt">): number =>
  isScheduled(m) ? m.deliverAt : m.createdAt;
