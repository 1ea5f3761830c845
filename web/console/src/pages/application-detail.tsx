import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, enc, type Application, type Endpoint, type Message, type Page } from "../api.ts";
import { CopyAs } from "../components/copy-as.tsx";
import { EndpointStateBadge, ErrorNote, Loading, Section, splitList, Time } from "../components/ui.tsx";
import { EndpointHealth } from "../components/endpoint-health.tsx";
import { PortalButton } from "../components/portal-button.tsx";
import { EventTypeOptions } from "../components/event-type-options.tsx";
import { paths } from "../paths.ts";

/** One application: its endpoints (and a form for a new one), its recent messages, and sending a message. */
export function ApplicationDetail() {
  const { appId = "" } = useParams();
  const app = useQuery({
    queryKey: ["app", appId],
    queryFn: () => api<Application>("GET", `/app/${enc(appId)}`),
  });
  const endpoints = useQuery({
    queryKey: ["endpoints", appId],
    queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(appId)}/endpoint?limit=250`),
  });
  const messages = useQuery({
    queryKey: ["messages", appId, "recent"],
    queryFn: () => api<Page<Message>>("GET", `/app/${enc(appId)}/msg?limit=10&with_content=false`),
  });

  if (app.isError) return <ErrorNote error={app.error} />;
  if (!app.data) return <Loading what="the application" />;
  const a = app.data;
  return (
    <>
      <p className="crumbs">
        <Link to={paths.apps}>Applications</Link> /
      </p>
      <h1>{a.name}</h1>
      <dl className="facts">
        <dt>id</dt>
        <dd className="mono">{a.id}</dd>
        <dt>uid</dt>
        <dd>{a.uid ?? "—"}</dd>
        <dt>Created</dt>
        <dd>
          <Time iso={a.createdAt} />
        </dd>
      </dl>
      <p>
        <Link to={`${paths.overview}?app=${enc(a.id)}`}>Statistics</Link> ·{" "}
        <Link to={paths.appMessages(a.id)}>All messages</Link> · <PortalButton appId={a.id} />
      </p>
      <Section title="Endpoints">
        <ErrorNote error={endpoints.error} />
        {endpoints.data?.data.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Status</th>
                <th scope="col">Event types</th>
                <th scope="col">Failed (24 h)</th>
                <th scope="col">Attempts per hour</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.data.map((ep) => (
                <tr key={ep.id}>
                  <td>
                    <Link to={paths.endpoint(a.id, ep.id)}>{ep.url}</Link>
                  </td>
                  <td>
                    <EndpointStateBadge disabled={ep.disabled} />
                  </td>
                  <td>{ep.filterTypes?.join(", ") ?? <span className="muted">all</span>}</td>
                  <EndpointHealth appId={a.id} endpointId={ep.id} />
                </tr>
              ))}
            </tbody>
          </table>
        ) : endpoints.data ? (
          <p className="muted">No endpoints yet.</p>
        ) : null}
        <CreateEndpoint appId={a.id} />
      </Section>
      <SendMessage appId={a.id} />
      <Section title="Recent messages">
        <ErrorNote error={messages.error} />
        {messages.data?.data.length ? (
          <ul className="plain">
            {messages.data.data.map((m) => (
              <li key={m.id}>
                <Link to={paths.message(a.id, m.id)} className="mono">
                  {m.id}
                </Link>{" "}
                {m.eventType} · <Time iso={m.timestamp} />
              </li>
            ))}
          </ul>
        ) : messages.data ? (
          <p className="muted">No messages yet.</p>
        ) : null}
      </Section>
    </>
  );
}

function CreateEndpoint({ appId }: { appId: string }) {
  const [url, setUrl] = useState("");
  const [types, setTypes] = useState("");
  const client = useQueryClient();
  const navigate = useNavigate();
  // Svix's v2 name (v1's filterTypes means the same), which its SDK sends too.
  const body = { url, ...(splitList(types) ? { eventTypes: splitList(types) } : {}) };
  const create = useMutation({
    mutationFn: () => api<Endpoint>("POST", `/app/${enc(appId)}/endpoint`, body),
    onSuccess: (ep) => {
      void client.invalidateQueries({ queryKey: ["endpoints", appId] });
      void navigate(paths.endpoint(appId, ep.id));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="grid-form" onSubmit={submit} aria-label="Add an endpoint">
      <h3 className="span">Add an endpoint</h3>
      <label htmlFor="ep-url">URL</label>
      <input
        id="ep-url"
        type="url"
        required
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        placeholder="https://example.com/webhooks"
      />
      <label htmlFor="ep-types">Event types (comma-separated, empty for all)</label>
      <input
        id="ep-types"
        list="catalog-types"
        value={types}
        onChange={(e) => setTypes(e.target.value)}
        placeholder="invoice.paid"
      />
      <EventTypeOptions id="catalog-types" />
      <div />
      <button type="submit" className="primary" disabled={create.isPending}>
        Add endpoint
      </button>
      <div className="span">
        <ErrorNote error={create.error} />
        <CopyAs label="create the endpoint" call={{ method: "POST", path: `/app/${enc(appId)}/endpoint`, body }} />
      </div>
    </form>
  );
}

function SendMessage({ appId }: { appId: string }) {
  const [eventType, setEventType] = useState("");
  const [payload, setPayload] = useState('{\n  "hello": "world"\n}');
  const [parseError, setParseError] = useState<string | null>(null);
  const client = useQueryClient();
  const navigate = useNavigate();
  const send = useMutation({
    mutationFn: (body: unknown) => api<Message>("POST", `/app/${enc(appId)}/msg`, body),
    onSuccess: (m) => {
      void client.invalidateQueries({ queryKey: ["messages", appId] });
      void navigate(paths.message(appId, m.id));
    },
  });
  const snippetPayload = parseJson(payload);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (error) {
      setParseError(`the payload is not JSON: ${(error as Error).message}`);
      return;
    }
    setParseError(null);
    send.mutate({ eventType, payload: parsed });
  };
  return (
    <Section title="Send a message">
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor="msg-type">Event type</label>
        <input
          id="msg-type"
          required
          value={eventType}
          onChange={(e) => setEventType(e.target.value)}
          placeholder="invoice.paid"
        />
        <label htmlFor="msg-payload">Payload (JSON)</label>
        <textarea id="msg-payload" rows={5} value={payload} onChange={(e) => setPayload(e.target.value)} />
        <div />
        <button type="submit" className="primary" disabled={send.isPending}>
          Send message
        </button>
      </form>
      {parseError ? (
        <p role="alert" className="error">
          {parseError}
        </p>
      ) : null}
      <ErrorNote error={send.error} />
      {snippetPayload.ok ? (
        <CopyAs
          label="send the message"
          call={{ method: "POST", path: `/app/${enc(appId)}/msg`, body: { eventType, payload: snippetPayload.value } }}
        />
      ) : null}
    </Section>
  );
}

/** The payload as typed, for the copied call: only while it is JSON (the form says why not on sending). */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
