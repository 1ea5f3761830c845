import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, enc, type Attempt, type Message, type MessageDestination, type Page } from "../api.ts";
import { CopyAs } from "../components/copy-as.tsx";
import { Code, ErrorNote, Loading, Section, StatusBadge, Time } from "../components/ui.tsx";
import { paths } from "../paths.ts";
import { AttemptTable } from "./endpoint-detail.tsx";

/** One message: its payload, and for each endpoint it went to, the delivery's state, its attempts and a resend. */
export function MessageDetail() {
  const { appId = "", msgId = "" } = useParams();
  const base = `/app/${enc(appId)}/msg/${enc(msgId)}`;
  const message = useQuery({ queryKey: ["message", appId, msgId], queryFn: () => api<Message>("GET", base) });
  const id = message.data?.id;
  const destinations = useQuery({
    queryKey: ["destinations", appId, id],
    enabled: id !== undefined,
    queryFn: () => api<Page<MessageDestination>>("GET", `/app/${enc(appId)}/msg/${enc(id!)}/endpoint?limit=250`),
    // A delivery in flight changes state within seconds.
    refetchInterval: (q) => (q.state.data?.data.some((d) => d.status === 1 || d.status === 3) ? 2000 : false),
  });
  const attempts = useQuery({
    queryKey: ["message-attempts", appId, id, destinations.dataUpdatedAt],
    enabled: id !== undefined,
    queryFn: () => api<Page<Attempt>>("GET", `/app/${enc(appId)}/attempt/msg/${enc(id!)}?limit=250`),
  });

  if (message.isError) return <ErrorNote error={message.error} />;
  if (!message.data) return <Loading what="the message" />;
  const m = message.data;
  return (
    <>
      <p className="crumbs">
        <Link to={paths.app(appId)}>{appId}</Link> / <Link to={paths.appMessages(appId)}>Messages</Link> /
      </p>
      <h1 className="mono break">{m.id}</h1>
      <dl className="facts">
        <dt>Event type</dt>
        <dd>{m.eventType}</dd>
        <dt>Event id</dt>
        <dd>{m.eventId ?? "—"}</dd>
        <dt>Channels</dt>
        <dd>{m.channels?.join(", ") ?? "—"}</dd>
        <dt>Accepted</dt>
        <dd>
          <Time iso={m.timestamp} />
        </dd>
      </dl>
      <Section title="Payload">
        <Code value={m.payload} label="Message payload" />
      </Section>
      <ErrorNote error={destinations.error ?? attempts.error} />
      {destinations.data?.data.length === 0 ? (
        <p className="muted">No endpoint was subscribed to this message.</p>
      ) : null}
      {destinations.data?.data.map((d) => (
        <Destination
          key={d.id}
          appId={appId}
          msgId={m.id}
          destination={d}
          attempts={(attempts.data?.data ?? []).filter((a) => a.endpointId === d.id)}
        />
      ))}
      {(attempts.data?.data.length ?? 0) >= 2 ? (
        <CompareAttempts appId={appId} msgId={m.id} attempts={attempts.data!.data} />
      ) : null}
    </>
  );
}

function Destination({
  appId,
  msgId,
  destination,
  attempts,
}: {
  appId: string;
  msgId: string;
  destination: MessageDestination;
  attempts: Attempt[];
}) {
  const client = useQueryClient();
  const resendPath = `/app/${enc(appId)}/msg/${enc(msgId)}/endpoint/${enc(destination.id)}/resend`;
  const resend = useMutation({
    mutationFn: () => api("POST", resendPath, {}),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["destinations", appId, msgId] }),
  });
  return (
    <Section
      title={`To ${destination.url}`}
      actions={
        <span>
          <StatusBadge text={destination.statusText} />{" "}
          <button type="button" onClick={() => resend.mutate()} disabled={resend.isPending}>
            Resend
          </button>
        </span>
      }
    >
      <p>
        <Link to={paths.endpoint(appId, destination.id)}>Endpoint {destination.id}</Link>
        {destination.nextAttempt ? (
          <>
            {" "}
            · next attempt <Time iso={destination.nextAttempt} />
          </>
        ) : null}
      </p>
      {resend.isSuccess ? (
        <p role="status" className="ok-text">
          Resend queued.
        </p>
      ) : null}
      <ErrorNote error={resend.error} />
      <AttemptTable appId={appId} attempts={[...attempts].reverse()} />
      <CopyAs label="resend" call={{ method: "POST", path: resendPath, body: {} }} />
    </Section>
  );
}

/** Picks two attempts of this message (any endpoints) and opens their diff. */
function CompareAttempts({ appId, msgId, attempts }: { appId: string; msgId: string; attempts: Attempt[] }) {
  const navigate = useNavigate();
  // The oldest against the newest by default: usually a failure and the success after it.
  const [a, setA] = useState(attempts[attempts.length - 1]!.id);
  const [b, setB] = useState(attempts[0]!.id);
  const option = (x: Attempt) => (
    <option key={x.id} value={x.id}>
      {new Date(x.timestamp).toLocaleString()} · {x.statusText} {x.responseStatusCode || x.errorKind || ""} · {x.id}
    </option>
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void navigate(paths.attemptDiff(appId, msgId, a, b));
  };
  return (
    <Section title="Compare two attempts">
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor="compare-a">First attempt</label>
        <select id="compare-a" value={a} onChange={(e) => setA(e.target.value)}>
          {attempts.map(option)}
        </select>
        <label htmlFor="compare-b">Second attempt</label>
        <select id="compare-b" value={b} onChange={(e) => setB(e.target.value)}>
          {attempts.map(option)}
        </select>
        <div />
        <button type="submit" disabled={a === b}>
          Compare
        </button>
      </form>
    </Section>
  );
}
