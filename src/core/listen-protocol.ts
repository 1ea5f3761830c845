import { randomBytes } from "node:crypto";

/**
 * `hookline listen` (docs/cli.md, "listen"): the frames the server and the CLI exchange over the
 * session's WebSocket, and the URL that marks an endpoint as a listen session. Shared by both
 * sides so they cannot drift apart.
 *
 * A listen session is a real endpoint of the application whose URL is `hookline-listen://ls_…`.
 * That scheme is not http or https, so the API refuses it as an endpoint URL (nobody can point an
 * endpoint at another's session) and the HTTP sender could not dial it; the worker hands its
 * deliveries to the session's socket instead (src/delivery/listen-sessions.ts).
 */
export const LISTEN_SCHEME = "hookline-listen://";

/** `ls_` and 24 base64url characters (144 random bits): names a session, is no secret (the token is). */
export const newListenSessionId = (): string => `ls_${randomBytes(18).toString("base64url")}`;
export const isListenSessionId = (value: string): boolean => /^ls_[A-Za-z0-9_-]{24}$/.test(value);

export const listenUrl = (sessionId: string): string => `${LISTEN_SCHEME}${sessionId}`;

/** The session id of a listen endpoint's URL, or null for any other URL. */
export function listenSessionOf(url: string): string | null {
  if (!url.startsWith(LISTEN_SCHEME)) return null;
  const id = url.slice(LISTEN_SCHEME.length);
  return isListenSessionId(id) ? id : null;
}

/** Server to CLI, once the socket is open: which session it is (keep the id to resume it). */
export interface SessionFrame {
  type: "session";
  sessionId: string;
  endpointId: string;
  appId: string;
  /** True when an existing session was resumed (its waiting deliveries flow again). */
  resumed: boolean;
  eventTypes: string[] | null;
}

/** Server to CLI: one attempt to deliver. The body is base64 so its exact bytes survive JSON. */
export interface DeliveryFrame {
  type: "delivery";
  /** Correlates the response; unique per socket. */
  id: string;
  msgId: string;
  eventType: string;
  /** 1 for the first attempt. */
  attempt: number;
  method: "POST" | "PUT";
  headers: Record<string, string>;
  body: string;
}

/**
 * CLI to server: what the local URL answered (status, headers, body as text, cut at the attempt
 * log's 20 kB), or `error` when it could not be reached, which the attempt records as that kind of
 * network failure.
 */
export interface ResponseFrame {
  type: "response";
  id: string;
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  durationMs: number;
  error?: ForwardErrorKind;
}

/** CLI to server: the user ended the session (Ctrl-C); the server disables its endpoint and closes. */
export interface EndFrame {
  type: "end";
}

export type ServerFrame = SessionFrame | DeliveryFrame;
export type ClientFrame = ResponseFrame | EndFrame;

/** The failures the CLI may report for the local URL, a subset of the attempt log's error kinds. */
export const FORWARD_ERROR_KINDS = ["connection_refused", "connection_reset", "timeout", "dns", "network"] as const;
export type ForwardErrorKind = (typeof FORWARD_ERROR_KINDS)[number];

/** WebSocket close codes of the protocol (4000–4999 are the application's). */
export const CLOSE = {
  /** The session ended at the user's request. */
  ended: 1000,
  /** Another connection took over the same session (a reconnect the server saw before this one's close). */
  replaced: 4001,
  /** The server is shutting down; reconnect. */
  shutdown: 1001,
} as const;
