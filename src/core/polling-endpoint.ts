import type { Endpoint } from "./entities.ts";
import { idCeilingAt, idFloorAt } from "./ids.ts";

/**
 * Polling endpoints (docs/api.md, "Polling endpoints"): an endpoint whose URL is `polling://…` is
 * never dialled. The messages routed to it (by event types and channels, like any endpoint's) are
 * written as entries of its stream, which consumers read by polling, in message-id order.
 *
 * A stream position is a message id: a reader continues with the entries whose message id is
 * greater. The start of the stream is ''.
 */
export const POLLING_URL_PREFIX = "polling://";

/** What may follow `polling://`: a label for people, e.g. `polling://nightly-export`. */
const POLLING_LABEL = /^[A-Za-z0-9._~\-/]{0,200}$/;

export const isPollingUrl = (url: string): boolean => url.toLowerCase().startsWith(POLLING_URL_PREFIX);

export const isPollingEndpoint = (endpoint: Pick<Endpoint, "url">): boolean => isPollingUrl(endpoint.url);

/** Why a polling URL is malformed, or null when it is well formed. */
export function pollingUrlProblem(url: string): string | null {
  return POLLING_LABEL.test(url.slice(POLLING_URL_PREFIX.length))
    ? null
    : "a polling URL is polling:// followed by at most 200 letters, digits and . _ ~ - /";
}

/**
 * How old a message must be before polls show it: 5 s. A message id is stamped when the message is
 * accepted and its row commits a moment later; on PostgreSQL several processes commit side by
 * side, and even in one process an accept that waits (for the endpoint cache, the group commit)
 * can commit after a later one. A reader that moved past an id before an earlier id committed
 * would never see that message. Reading only ids older than this horizon closes that window, as
 * long as a message commits within 5 s of acceptance (commits take milliseconds, tens under heavy
 * load) and the processes' clocks agree to well within it; docs/api.md states the assumption. The
 * cost: a polled message is at least 5 s old.
 */
export const STREAM_VISIBILITY_DELAY_MS = 5000;

/** The first message id polls at `now` may not show yet: they read ids strictly below it. */
export const visibilityHorizon = (now: number): string => idFloorAt("msg", now - STREAM_VISIBILITY_DELAY_MS);

/** The position of a reader that has seen every message created up to and including `ms`. */
export const positionAfterTime = (ms: number): string => idCeilingAt("msg", ms);

/** The position of a reader that has seen everything visible at `now` ("latest"). */
export const latestPosition = (now: number): string => positionAfterTime(now - STREAM_VISIBILITY_DELAY_MS - 1);

export const STREAM_START = "";

const POSITION = /^(|msg_[0-9A-Za-z]{27})$/;

/** An iterator is an opaque base64url string naming a position. */
export function encodeIterator(position: string): string {
  return Buffer.from(JSON.stringify({ p: position })).toString("base64url");
}

/** The position an iterator names, or null when it is not one this server handed out. */
export function decodeIterator(iterator: string): string | null {
  try {
    const value = JSON.parse(Buffer.from(iterator, "base64url").toString("utf8")) as unknown;
    if (typeof value !== "object" || value === null || !("p" in value)) return null;
    const position = (value as { p: unknown }).p;
    return typeof position === "string" && POSITION.test(position) ? position : null;
  } catch {
    return null;
  }
}
