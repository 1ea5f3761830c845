import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { api, enc, query, type Attempt, type Endpoint, type Message, type Page } from "../api.ts";
import { CopyAs } from "../components/copy-as.tsx";
import { TabPanel, useTabParam } from "../components/tabs.tsx";
import { AttemptOutcomeCells, AttemptOutcomeHeaders, AttemptStatusSelect } from "../components/attempt-list.tsx";
import { EndpointStateBadge, ErrorNote, Loading, Pager, Section } from "../components/ui.tsx";
import { paths } from "../paths.ts";
import { EndpointSecret } from "./endpoint-secret.tsx";
import { EndpointSettings } from "./endpoint-settings.tsx";
import { EndpointTransformation } from "./endpoint-transformation.tsx";

const TABS = [
  ["settings", "Settings"],
  ["secret", "Secret"],
  ["transformation", "Transformation"],
  ["attempts", "Attempts"],
  ["testing", "Testing"],
] as const;
type Tab = (typeof TABS)[number][0];

/** One endpoint, in tabs: its settings (edit, enable or disable, delete), its signing secret, its transformation, its attempts and a test send. */
export function EndpointDetail() {
  const { appId = "", endpointId = "" } = useParams();
  const [tab, choose] = useTabParam<Tab>(TABS, "settings");
  const base = `/app/${enc(appId)}/endpoint/${enc(endpointId)}`;
  const endpoint = useQuery({ queryKey: ["endpoint", appId, endpointId], queryFn: () => api<Endpoint>("GET", base) });

  if (endpoint.isError) return <ErrorNote error={endpoint.error} />;
  if (!endpoint.data) return <Loading what="the endpoint" />;
  const ep = endpoint.data;
  return (
    <>
      <p className="crumbs">
        <Link to={paths.apps}>Applications</Link> / <Link to={paths.app(appId)}>{appId}</Link> /
      </p>
      <h1 className="break">{ep.url}</h1>
      <p>
        <EndpointStateBadge disabled={ep.disabled} /> <span className="mono">{ep.id}</span> ·{" "}
        <Link to={`${paths.overview}?app=${enc(appId)}&endpoint=${enc(ep.id)}`}>Statistics</Link>
      </p>
      <TabPanel label="Endpoint" tabs={TABS} tab={tab} onChoose={choose}>
        {tab === "settings" ? <EndpointSettings key={ep.id} appId={appId} base={base} endpoint={ep} /> : null}
        {tab === "secret" ? <EndpointSecret base={base} /> : null}
        {tab === "transformation" ? <EndpointTransformation appId={appId} base={base} /> : null}
        {tab === "attempts" ? <Attempts appId={appId} endpointId={ep.id} /> : null}
        {tab === "testing" ? <Testing appId={appId} base={base} /> : null}
      </TabPanel>
    </>
  );
}

export function Attempts({ appId, endpointId }: { appId: string; endpointId: string }) {
  const [status, setStatus] = useState("");
  const [iterator, setIterator] = useState<string | null>(null);
  const attempts = useQuery({
    queryKey: ["attempts", appId, endpointId, status, iterator],
    queryFn: () =>
      api<Page<Attempt>>(
        "GET",
        `/app/${enc(appId)}/attempt/endpoint/${enc(endpointId)}` + query({ status, iterator, limit: 50 }),
      ),
  });
  return (
    <Section
      title="Attempts"
      actions={
        <label className="inline">
          Status{" "}
          <AttemptStatusSelect
            value={status}
            onChange={(value) => {
              setStatus(value);
              setIterator(null);
            }}
          />
        </label>
      }
    >
      <ErrorNote error={attempts.error} />
      {attempts.isPending ? <Loading what="attempts" /> : null}
      {attempts.data ? <AttemptTable appId={appId} attempts={attempts.data.data} /> : null}
      <Pager page={attempts.data} iterator={iterator} onChange={setIterator} />
    </Section>
  );
}

export function AttemptTable({ appId, attempts }: { appId: string; attempts: Attempt[] }) {
  if (!attempts.length) return <p className="muted">No attempts.</p>;
  return (
    <table>
      <thead>
        <tr>
          <AttemptOutcomeHeaders />
          <th scope="col">Duration</th>
          <th scope="col">Trigger</th>
          <th scope="col">Attempt</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => (
          <tr key={a.id}>
            <AttemptOutcomeCells attempt={a} />
            <td>{a.responseDurationMs} ms</td>
            <td>{a.triggerType === 1 ? "manual" : "scheduled"}</td>
            <td>
              <Link to={paths.attempt(appId, a.msgId, a.id)} className="mono">
                {a.id}
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Sends an event type's example (from its schema, or a stand-in) to this endpoint alone, and shows the attempt as it arrives. */
function Testing({ appId, base }: { appId: string; base: string }) {
  const [eventType, setEventType] = useState("");
  const types = useQuery({
    queryKey: ["event-types", false],
    queryFn: () => api<Page<{ name: string }>>("GET", "/event-type?limit=250&with_content=false"),
  });
  const send = useMutation({
    mutationFn: () => api<Message>("POST", `${base}/send-example`, { eventType }),
  });
  const sent = send.data;
  const attempts = useQuery({
    queryKey: ["test-attempts", appId, sent?.id],
    enabled: sent !== undefined,
    queryFn: () => api<Page<Attempt>>("GET", `/app/${enc(appId)}/attempt/msg/${enc(sent!.id)}`),
    // Until the first attempt is recorded.
    refetchInterval: (q) => (q.state.data?.data.length ? false : 1000),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  return (
    <Section title="Send a test event">
      <p>
        Sends the event type's example (the first example of its latest schema, or a small stand-in) to this endpoint
        only, and shows the attempt as it arrives.
      </p>
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor="test-type">Event type</label>
        <select id="test-type" required value={eventType} onChange={(e) => setEventType(e.target.value)}>
          <option value="">Choose…</option>
          {types.data?.data.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
        <div />
        <button type="submit" className="primary" disabled={send.isPending || !eventType}>
          Send example
        </button>
      </form>
      <CopyAs label="send the example" call={{ method: "POST", path: `${base}/send-example`, body: { eventType } }} />
      <ErrorNote error={types.error ?? send.error ?? attempts.error} />
      {types.data?.data.length === 0 ? (
        <p className="muted">The event-type catalog is empty: create a type on the Event types page first.</p>
      ) : null}
      {sent ? (
        <>
          <p role="status">
            Sent as message{" "}
            <Link to={paths.message(appId, sent.id)} className="mono">
              {sent.id}
            </Link>
            {attempts.data?.data.length ? "." : "; waiting for the attempt…"}
          </p>
          {attempts.data?.data.length ? <AttemptTable appId={appId} attempts={attempts.data.data} /> : null}
        </>
      ) : null}
    </Section>
  );
}
