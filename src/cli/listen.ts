import { arg, flagString, seg, type Family } from "./command.ts";
import { usageError } from "./exit-codes.ts";
import { listenMemoryFile, rememberedSession, rememberSession, sessionKey } from "./listen-memory.ts";

/**
 * `hookline listen <local-url>`: real deliveries of a running Hookline, forwarded to a local
 * server (docs/cli.md, "listen"). The server side is src/api/routes/listen.ts.
 */
export const listenCommand: Family = {
  name: "listen",
  summary: "forward an application's (or a source's) deliveries to a local URL",
  single: {
    name: "listen",
    summary: "forward an application's (or a source's) deliveries to a local URL",
    args: ["<local-url>"],
    flags: [
      { name: "app", value: "<app>", description: "the application whose messages to receive (id or uid)" },
      { name: "source", value: "<source>", description: "instead: the inbound source whose webhooks to receive" },
      {
        name: "events",
        value: "<types>",
        description: "only these event types, comma-separated; wildcards as invoice.*",
      },
      {
        name: "session",
        value: "<ls_…>",
        description: "resume this session (default: the last one for this server, app and URL)",
      },
      { name: "new-session", description: "start a new session instead of resuming the last one" },
    ],
    description:
      "Opens a session (a WebSocket) to the server, which delivers to it like to any endpoint: each delivery is\n" +
      "sent to <local-url> with its headers and exact body (the signature verifies with the session's secret,\n" +
      "`hookline endpoint secret`), and the local response is recorded as the attempt. A local error or a 5xx is\n" +
      "retried on the server's schedule. The session reconnects after a network drop; deliveries wait meanwhile.\n" +
      "Ctrl-C ends it (its endpoint is disabled); run the same command again to resume it.",
    example: "hookline listen http://localhost:3000/webhooks --app acme --events 'invoice.*'",
    run: async (c) => {
      const localUrl = arg(c, 0, "<local-url>");
      let parsedLocal: URL;
      try {
        parsedLocal = new URL(localUrl);
      } catch {
        throw usageError(`"${localUrl}" is not a URL (e.g. http://localhost:3000/webhooks)`);
      }
      if (parsedLocal.protocol !== "http:" && parsedLocal.protocol !== "https:")
        throw usageError(`"${localUrl}" is not an http or https URL`);
      const app = flagString(c, "app");
      const source = flagString(c, "source");
      if ((app === undefined) === (source === undefined))
        throw usageError("give one of --app <app> or --source <source>");
      const explicit = flagString(c, "session");
      if (explicit !== undefined && c.parsed.flags["new-session"] === true)
        throw usageError("--session and --new-session exclude each other");

      const { connection } = c.client();
      let socketUrl: URL;
      try {
        socketUrl = new URL(connection.url.replace(/\/+$/, ""));
      } catch {
        throw usageError(`the server URL "${connection.url}" is not a URL (HOOKLINE_URL / --url)`);
      }
      socketUrl.protocol = socketUrl.protocol === "https:" ? "wss:" : "ws:";
      const scope = app !== undefined ? `app:${app}` : `source:${source}`;
      const route =
        app !== undefined ? `/api/v1/app/${seg(app)}/listen` : `/ingest/api/v1/source/${seg(source!)}/listen`;
      socketUrl.pathname = socketUrl.pathname.replace(/\/+$/, "") + route;
      const events = flagString(c, "events");
      if (events !== undefined) socketUrl.searchParams.set("events", events);
      socketUrl.searchParams.set("target", localUrl);

      const memory = listenMemoryFile(c.env);
      const key = sessionKey(connection.url, scope, localUrl);
      const remembered = c.parsed.flags["new-session"] === true ? undefined : rememberedSession(memory, key);
      const json = c.parsed.flags.json === true;
      const print = (line: string, fields: Record<string, unknown>) =>
        c.out.write(json ? JSON.stringify(fields) + "\n" : `${line}\n`);

      // Loaded on use, with its WebSocket library, so other commands start without it.
      const { ListenClient } = await import("./listen-session.ts");
      const client = new ListenClient({
        socketUrl,
        token: connection.token,
        localUrl,
        sessionId: explicit ?? remembered,
        remembered: explicit === undefined && remembered !== undefined,
        print,
        note: (line) => c.note(`hookline listen: ${line}\n`),
        onSession: (frame) => {
          rememberSession(memory, key, frame.sessionId);
          const filter = frame.eventTypes ? ` (${frame.eventTypes.join(", ")})` : "";
          c.note(
            `hookline listen: ${frame.resumed ? "resumed" : "started"} session ${frame.sessionId} ` +
              `(endpoint ${frame.endpointId} of ${frame.appId})${filter}: forwarding to ${localUrl}; Ctrl-C ends it\n`,
          );
          if (json) print("", { event: "session", ...frame, type: undefined });
        },
        onForgotten: () => {
          rememberSession(memory, key, null);
          c.note(`hookline listen: session ${remembered} no longer exists; starting a new one\n`);
        },
      });
      const end = () => void client.end();
      process.on("SIGINT", end);
      process.on("SIGTERM", end);
      try {
        return await client.run();
      } finally {
        process.off("SIGINT", end);
        process.off("SIGTERM", end);
      }
    },
  },
};
