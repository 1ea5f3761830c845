import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import type { Attempt, MessageDestination } from "../api.ts";
import { CopyAs } from "../components/copy-as.tsx";
import { DeliverySection, useMessageDeliveries, useResend } from "../components/message-delivery.tsx";
import { Code, ErrorNote, Loading, Section, Time } from "../components/ui.tsx";
import { paths } from "../paths.ts";
import { AttemptTable } from "./endpoint-detail.tsx";

/** One message: its payload, and for each endpoint it went to, the delivery's state, its attempts and a resend. */
export function MessageDetail() {
  const { appId = "", msgId = "" } = useParams();
  // A delivery in flight changes state within seconds.
  const { message, destinations, attempts } = useMessageDeliveries(appId, msgId, { pollMs: 2000 });

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
  const resend = useResend(appId, msgId, destination.id);
  return (
    <DeliverySection
      destination={destination}
      endpointLink={paths.endpoint(appId, destination.id)}
      resend={resend.mutation}
      canResend
    >
      <AttemptTable appId={appId} attempts={[...attempts].reverse()} />
      <CopyAs label="resend" call={{ method: "POST", path: resend.path, body: {} }} />
    </DeliverySection>
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
