import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import {
  api,
  enc,
  query,
  type Application,
  type Endpoint,
  type EndpointMessage,
  type Message,
  type MessageDestination,
  type Page,
} from "../api.ts";
import { ErrorNote, Loading, Pager, Section, StatusBadge, Time } from "../components/ui.tsx";
import { paths } from "../paths.ts";

const FILTERS = ["type", "channel", "after", "before", "endpoint", "status"] as const;
/** Delivery states as the API numbers them (MessageStatus in src/api/common-schemas.ts). */
const STATUSES = [
  ["0", "success"],
  ["1", "pending"],
  ["3", "sending (retrying)"],
  ["2", "fail"],
  ["4", "canceled"],
] as const;
const toIso = (local: string | null) => (local ? new Date(local).toISOString() : undefined);

/**
 * The message log of one application, newest first, with filters and the cursor in the URL so
 * that a view can be shared; a message is also found directly by its id or its event id.
 */
export function Messages() {
  const [params, setParams] = useSearchParams();
  const appId = params.get("app") ?? "";
  const iterator = params.get("iterator");
  // Tail mode follows new messages: the newest page is read again every few seconds.
  const tail = params.get("tail") === "1" && !iterator;
  const apps = useQuery({ queryKey: ["apps", "all"], queryFn: () => api<Page<Application>>("GET", "/app?limit=250") });
  const endpointId = params.get("endpoint") ?? "";
  // The delivery status is an endpoint's: with one chosen, the log is that endpoint's attempted
  // messages (GET …/endpoint/{endpoint}/msg, Svix's route), which filters by status.
  const status = endpointId ? params.get("status") : null;
  const endpoints = useQuery({
    queryKey: ["endpoints", appId],
    queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(appId)}/endpoint?limit=250`),
    enabled: appId !== "",
  });
  const messages = useQuery({
    queryKey: ["messages", appId, params.toString()],
    enabled: appId !== "",
    refetchInterval: tail ? 3000 : false,
    queryFn: () =>
      api<Page<Message | EndpointMessage>>(
        "GET",
        (endpointId ? `/app/${enc(appId)}/endpoint/${enc(endpointId)}/msg` : `/app/${enc(appId)}/msg`) +
          query({
            status,
            limit: 50,
            iterator,
            event_types: params.get("type") ? [params.get("type")!] : undefined,
            channel: params.get("channel"),
            after: toIso(params.get("after")),
            before: toIso(params.get("before")),
            with_content: "false",
          }),
      ),
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const client = useQueryClient();
  const resend = useMutation({
    mutationFn: () => resendFailed(appId, [...selected]),
    onSuccess: () => {
      setSelected(new Set());
      void client.invalidateQueries({ queryKey: ["destinations", appId] });
    },
  });
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const set = (changes: Record<string, string | null>) => {
    // A selection is of what was on screen: another page or filter starts a new one.
    setSelected(new Set());
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    if (!("iterator" in changes)) next.delete("iterator");
    setParams(next);
  };

  return (
    <>
      <h1>Messages</h1>
      <form className="toolbar" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Application{" "}
          <select value={appId} onChange={(e) => set({ app: e.target.value, endpoint: null, status: null })}>
            <option value="">Choose an application</option>
            {apps.data?.data.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        {appId ? (
          <label>
            Endpoint{" "}
            <select
              value={endpointId}
              onChange={(e) => set({ endpoint: e.target.value, status: e.target.value ? status : null })}
            >
              <option value="">All endpoints</option>
              {endpoints.data?.data.map((ep) => (
                <option key={ep.id} value={ep.id}>
                  {ep.url}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {appId ? (
          <label>
            Delivery status{" "}
            <select
              value={status ?? ""}
              disabled={!endpointId}
              title={endpointId ? undefined : "Choose an endpoint: a delivery status is an endpoint's"}
              onChange={(e) => set({ status: e.target.value })}
            >
              <option value="">{endpointId ? "Any status" : "Any (choose an endpoint)"}</option>
              {STATUSES.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <FilterInput label="Event type" name="type" params={params} set={set} />
        <FilterInput label="Channel" name="channel" params={params} set={set} />
        <FilterInput label="After" name="after" type="datetime-local" params={params} set={set} />
        <FilterInput label="Before" name="before" type="datetime-local" params={params} set={set} />
        <label className="inline tail">
          <input
            type="checkbox"
            checked={params.get("tail") === "1"}
            onChange={(e) => set({ tail: e.target.checked ? "1" : null, iterator: null })}
          />
          Follow new messages
        </label>
        {FILTERS.some((f) => params.get(f)) ? (
          <button type="button" onClick={() => set(Object.fromEntries(FILTERS.map((f) => [f, null])))}>
            Clear filters
          </button>
        ) : null}
      </form>
      {appId ? <FindMessage appId={appId} /> : null}
      <ErrorNote error={apps.error ?? messages.error} />
      {!appId ? <p className="muted">Choose an application to see its messages.</p> : null}
      {appId && messages.isPending ? <Loading what="messages" /> : null}
      {messages.data ? (
        <Section
          title="Log"
          actions={
            <button type="button" disabled={selected.size === 0 || resend.isPending} onClick={() => resend.mutate()}>
              Resend failed deliveries of {selected.size} selected
            </button>
          }
        >
          <ErrorNote error={resend.error} />
          {resend.data ? (
            <p role="status" className="ok-text">
              Queued again: {resend.data.deliveries} failed deliver{resend.data.deliveries === 1 ? "y" : "ies"} of{" "}
              {resend.data.messages} message{resend.data.messages === 1 ? "" : "s"}.
            </p>
          ) : null}
          {messages.data.data.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Selected</span>
                  </th>
                  <th scope="col">Message</th>
                  <th scope="col">Event type</th>
                  {endpointId ? <th scope="col">Delivery</th> : null}
                  <th scope="col">Event id</th>
                  <th scope="col">Channels</th>
                  <th scope="col">Accepted</th>
                </tr>
              </thead>
              <tbody>
                {messages.data.data.map((m) => (
                  <tr key={m.id}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${m.id}`}
                        checked={selected.has(m.id)}
                        onChange={() => toggle(m.id)}
                      />
                    </td>
                    <td>
                      <Link to={paths.message(appId, m.id)} className="mono">
                        {m.id}
                      </Link>
                    </td>
                    <td>{m.eventType}</td>
                    {endpointId ? <td>{"statusText" in m ? <StatusBadge text={m.statusText} /> : null}</td> : null}
                    <td>{m.eventId ?? <span className="muted">—</span>}</td>
                    <td>{m.channels?.join(", ") ?? <span className="muted">—</span>}</td>
                    <td>
                      <Time iso={m.timestamp} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No message matches.</p>
          )}
          <Pager page={messages.data} iterator={iterator} onChange={(it) => set({ iterator: it })} />
        </Section>
      ) : null}
    </>
  );
}

function FilterInput({
  label,
  name,
  type = "text",
  params,
  set,
}: {
  label: string;
  name: string;
  type?: string;
  params: URLSearchParams;
  set: (changes: Record<string, string | null>) => void;
}) {
  // Text filters apply on Enter or when the field is left, not on every key.
  const [value, setValue] = useState(params.get(name) ?? "");
  const apply = () => {
    if (value !== (params.get(name) ?? "")) set({ [name]: value });
  };
  return (
    <label>
      {label}{" "}
      <input
        type={type}
        name={name}
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          if (type !== "text") set({ [name]: e.target.value });
        }}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === "Enter") apply();
        }}
      />
    </label>
  );
}

function FindMessage({ appId }: { appId: string }) {
  const [id, setId] = useState("");
  const navigate = useNavigate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (id.trim()) void navigate(paths.message(appId, id.trim()));
  };
  return (
    <form className="toolbar" onSubmit={submit} role="search" aria-label="Find a message">
      <label>
        Message id or event id <input value={id} onChange={(e) => setId(e.target.value)} placeholder="msg_… or evt_…" />
      </label>
      <button type="submit">Open</button>
    </form>
  );
}

/** Resends every delivery of the given messages that failed for good (status 2), endpoint by endpoint. */
async function resendFailed(appId: string, ids: string[]): Promise<{ messages: number; deliveries: number }> {
  let deliveries = 0;
  for (const id of ids) {
    const destinations = await api<Page<MessageDestination>>(
      "GET",
      `/app/${enc(appId)}/msg/${enc(id)}/endpoint?limit=250`,
    );
    for (const d of destinations.data.filter((x) => x.status === 2)) {
      await api("POST", `/app/${enc(appId)}/msg/${enc(id)}/endpoint/${enc(d.id)}/resend`, {});
      deliveries++;
    }
  }
  return { messages: ids.length, deliveries };
}
