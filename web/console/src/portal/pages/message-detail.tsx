import { useState } from "react";
import { Link, useParams } from "react-router";
import type { Attempt, Message, MessageDestination } from "../../api.ts";
import { DeliverySection, useMessageDeliveries, useResend } from "../../components/message-delivery.tsx";
import { Code, ErrorNote, Loading, Section, StatusBadge, Time } from "../../components/ui.tsx";
import { portalPaths } from "../paths.ts";
import { useCan, useSession } from "../session.ts";
import { Recover } from "./recover.tsx";

/** How long the page reads the delivery again after a resend: a worker takes it within seconds. */
const WATCH_AFTER_RESEND_MS = 30_000;

/** Header names whose values are credentials: never shown. */
const SENSITIVE = /authorization|cookie|token|secret|api-?key|password/i;

/** One message: its payload and, for each of the consumer's endpoints, every attempt with request and response. */
export function MessageDetail() {
  const { appId } = useSession();
  const { msgId = "" } = useParams();
  // After a resend, the delivery stays "fail" until a worker takes it: watch for a while.
  const [watchUntil, setWatchUntil] = useState(0);
  const { message, destinations, attempts } = useMessageDeliveries(appId, msgId, {
    pollMs: 1500,
    watching: () => Date.now() < watchUntil,
  });

  if (message.isError) return <ErrorNote error={message.error} />;
  if (!message.data) return <Loading what="the message" />;
  const m = message.data;
  return (
    <>
      <p className="crumbs">
        <Link to={portalPaths.endpoints}>Endpoints</Link> /
      </p>
      <h1 className="mono break">{m.id}</h1>
      <dl className="facts">
        <dt>Event type</dt>
        <dd className="mono">{m.eventType}</dd>
        <dt>Event id</dt>
        <dd>{m.eventId ?? "—"}</dd>
        <dt>Sent</dt>
        <dd>
          <Time iso={m.timestamp} />
        </dd>
      </dl>
      <Section title="Payload">
        <Code value={m.payload} label="Message payload" />
      </Section>
      <ErrorNote error={destinations.error ?? attempts.error} />
      {destinations.data?.data.map((d) => (
        <Destination
          key={d.id}
          appId={appId}
          message={m}
          destination={d}
          attempts={(attempts.data?.data ?? []).filter((a) => a.endpointId === d.id)}
          onResent={() => setWatchUntil(Date.now() + WATCH_AFTER_RESEND_MS)}
        />
      ))}
    </>
  );
}

function Destination({
  appId,
  message,
  destination,
  attempts,
  onResent,
}: {
  appId: string;
  message: Message;
  destination: MessageDestination;
  attempts: Attempt[];
  onResent: () => void;
}) {
  const can = useCan();
  const resend = useResend(appId, message.id, destination.id, onResent);
  const since = new Date(Date.parse(message.timestamp) - new Date().getTimezoneOffset() * 60_000)
    .toISOString()
    .slice(0, 16);
  return (
    <>
      <DeliverySection
        destination={destination}
        endpointLink={portalPaths.endpoint(destination.id)}
        resend={resend.mutation}
        canResend={can("CreateAttempts")}
      >
        {attempts.length === 0 ? <p className="muted">No attempt yet.</p> : null}
        <ol className="attempts">
          {[...attempts].reverse().map((a) => (
            <li key={a.id}>
              <details>
                <summary>
                  <Time iso={a.timestamp} /> <StatusBadge text={a.statusText} />{" "}
                  <span data-testid="attempt-code">{a.responseStatusCode || a.errorKind || "no response"}</span> ·{" "}
                  {a.responseDurationMs} ms · {a.triggerType === 1 ? "manual" : "scheduled"}
                </summary>
                <h3>Request headers</h3>
                <table>
                  <tbody>
                    {Object.entries(a.requestHeaders).map(([name, value]) => (
                      <tr key={name}>
                        <th scope="row" className="mono">
                          {name}
                        </th>
                        <td className="mono break">{SENSITIVE.test(name) ? "(redacted)" : value}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <h3>Response</h3>
                <Code value={a.response} label={`Response to attempt ${a.id}`} />
              </details>
            </li>
          ))}
        </ol>
      </DeliverySection>
      {can("CreateAttempts") && destination.status === 2 ? (
        <Recover appId={appId} endpointId={destination.id} since={since} />
      ) : null}
    </>
  );
}
