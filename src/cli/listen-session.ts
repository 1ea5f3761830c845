import WebSocket from "ws";
import { CLOSE, type DeliveryFrame, type ServerFrame, type SessionFrame } from "../core/listen-protocol.ts";
import { describeError } from "./client.ts";
import { CliError, EXIT, exitCodeForStatus } from "./exit-codes.ts";
import { forwardToLocal } from "./listen-forward.ts";

/**
 * The CLI's end of a listen session: connects, forwards each delivery to the local URL and
 * answers with the local response, and reconnects after a drop. Deliveries are never lost by a
 * drop: the server records the attempt as failed and retries it, and when the session comes back
 * it makes what waited due at once.
 */

/** Reconnect delays: 0.5 s doubling to 15 s, so a laptop back online resumes within seconds. */
const BACKOFF_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000];
/** The server pings every 15 s; without one for this long the connection is taken for dead. */
const SILENCE_LIMIT_MS = 45_000;
/** Ctrl-C waits this long for local requests still running, then for the server to close. */
const END_WAIT_MS = 5_000;

export interface ListenOptions {
  /** ws(s)://…/listen?… without the session; the session is added per connection. */
  socketUrl: URL;
  token: string | null;
  localUrl: string;
  /** A session to resume, if any. */
  sessionId: string | undefined;
  /** Whether `sessionId` came from the memory file (a 404 then starts afresh) or the user (a 404 is an error). */
  remembered: boolean;
  /** The `-->` / `<--` lines, and the same as fields for --json. */
  print(line: string, fields: Record<string, unknown>): void;
  /** Status and warnings (stderr). */
  note(line: string): void;
  onSession(frame: SessionFrame): void;
  /** A remembered session the server no longer knows. */
  onForgotten(): void;
}

export class ListenClient {
  private socket: WebSocket | null = null;
  private sessionId: string | undefined;
  private remembered: boolean;
  private ending = false;
  private everConnected = false;
  private readonly inFlight = new Set<Promise<void>>();
  private failures = 0;
  private finish!: (code: number) => void;
  private fail!: (error: CliError) => void;
  private silence: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ListenOptions) {
    this.sessionId = options.sessionId;
    this.remembered = options.remembered;
  }

  /** Runs until Ctrl-C (resolves 0) or a failure that reconnecting cannot fix (rejects with its exit code). */
  run(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
      this.connect();
    });
  }

  private urlFor(): string {
    const url = new URL(this.options.socketUrl);
    if (this.sessionId) url.searchParams.set("session", this.sessionId);
    return url.toString();
  }

  private connect(): void {
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const socket = new WebSocket(this.urlFor(), { headers, handshakeTimeout: 30_000, maxPayload: 64 * 1024 * 1024 });
    this.socket = socket;
    let opened = false;
    let refused = false;

    socket.on("unexpected-response", (_req, res) => {
      refused = true;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk.slice(0, 10_000)));
      res.on("end", () => {
        socket.terminate();
        this.refused(res.statusCode ?? 0, text);
      });
    });
    socket.on("open", () => {
      opened = true;
      this.heard();
    });
    socket.on("ping", () => this.heard());
    socket.on("message", (data) => {
      this.heard();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(data.toString()) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === "session") this.started(frame);
      else if (frame.type === "delivery") this.deliver(socket, frame);
    });
    socket.on("error", (error) => {
      if (!refused && !opened && !this.everConnected && !this.ending) {
        socket.terminate();
        this.stop();
        this.fail(new CliError(`cannot reach ${this.options.socketUrl.origin}: ${reason(error)}`, EXIT.network));
      }
    });
    socket.on("close", (code, why) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.quiet();
      if (this.ending) return this.done();
      if (code === CLOSE.replaced) {
        this.stop();
        this.fail(
          new CliError(`another \`hookline listen\` took over session ${this.sessionId}: this one stops`, EXIT.failure),
        );
        return;
      }
      if (!this.everConnected) {
        // Before the session started: the error or refusal handler decides, unless the server
        // accepted the socket and then closed it (it could not open the session).
        if (opened && !refused) {
          this.stop();
          this.fail(
            new CliError(`the server closed the session as it opened (${code} ${why.toString()})`, EXIT.server),
          );
        }
        return;
      }
      this.reconnectLater(`connection lost (${code}${why.length ? ` ${why.toString()}` : ""})`);
    });
  }

  private started(frame: SessionFrame): void {
    this.everConnected = true;
    this.failures = 0;
    this.sessionId = frame.sessionId;
    this.remembered = false;
    this.options.onSession(frame);
  }

  private deliver(socket: WebSocket, frame: DeliveryFrame): void {
    const retry = frame.attempt > 1 ? ` (attempt ${frame.attempt})` : "";
    const { msgId, eventType, attempt } = frame;
    this.options.print(`--> ${eventType || "(event)"} ${msgId}${retry}`, {
      event: "delivery",
      msgId,
      eventType,
      attempt,
    });
    const work = forwardToLocal(this.options.localUrl, frame).then((response) => {
      const { status, durationMs, error } = response;
      this.options.print(
        error ? `<-- ${error} ${durationMs} ms ${msgId} (${response.body})` : `<-- ${status} ${durationMs} ms ${msgId}`,
        { event: "response", msgId, status, durationMs, ...(error ? { error, detail: response.body } : {}) },
      );
      // A socket that dropped meanwhile cannot take the answer; the server counts the attempt as
      // failed (connection reset) and retries it, so nothing is lost.
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(response));
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** The server refused the upgrade with an HTTP status: auth, not found, validation. */
  private refused(status: number, text: string): void {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (status === 404 && this.remembered && this.sessionId) {
      // The remembered session was deleted on the server: start a new one.
      this.options.onForgotten();
      this.sessionId = undefined;
      this.remembered = false;
      this.connect();
      return;
    }
    if (status >= 500 && this.everConnected && !this.ending) {
      this.reconnectLater(`the server answered ${status}`);
      return;
    }
    this.stop();
    this.fail(new CliError(`${status} ${describeError(body, text)}`, exitCodeForStatus(status)));
  }

  private reconnectLater(why: string): void {
    const delay = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)]!;
    this.failures++;
    this.options.note(`${why}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.ending) this.connect();
    }, delay);
  }

  /** Any sign of life resets the silence watch. */
  private heard(): void {
    this.quiet();
    this.silence = setTimeout(() => {
      this.options.note("no word from the server for 45 s");
      this.socket?.terminate();
    }, SILENCE_LIMIT_MS);
  }

  private quiet(): void {
    if (this.silence) clearTimeout(this.silence);
    this.silence = null;
  }

  private stop(): void {
    this.quiet();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private done(): void {
    this.stop();
    this.finish(EXIT.ok);
  }

  /**
   * Ctrl-C: lets running local requests answer (up to 5 s), asks the server to end the session
   * (it disables the session's endpoint) and waits for it to close the socket (up to 5 s).
   */
  async end(): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.everConnected) {
      this.options.note(
        this.sessionId
          ? `not connected: session ${this.sessionId} stays on the server and its deliveries wait for it`
          : "not connected",
      );
      socket?.terminate();
      return this.done();
    }
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(END_WAIT_MS)]);
    socket.send(JSON.stringify({ type: "end" }));
    const timer = setTimeout(() => socket.terminate(), END_WAIT_MS);
    socket.once("close", () => clearTimeout(timer));
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function reason(error: Error): string {
  const e = error as Error & { code?: string };
  return e.code ?? e.message;
}
