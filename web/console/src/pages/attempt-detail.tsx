import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { api, enc, type Attempt } from "../api.ts";
import { Code, ErrorNote, Loading, Section, StatusBadge, Time } from "../components/ui.tsx";
import { paths } from "../paths.ts";

/** Header names whose values are credentials: shown as redacted even to an operator looking over a shoulder. */
export const SENSITIVE_HEADER = /authorization|cookie|token|secret|api-?key|password/i;

/** A header table; credential-like names show redacted even where Hookline kept a value. */
function HeaderTable({ headers, label }: { headers: Record<string, string>; label: string }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Header</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(headers).map(([name, value]) => (
          <tr key={name}>
            <td className="mono">{name}</td>
            <td className="mono break">{SENSITIVE_HEADER.test(name) ? "(redacted)" : value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One delivery attempt: what was sent (headers), what came back (status, headers and body), how long it took and why it failed. */
export function AttemptDetail() {
  const { appId = "", msgId = "", attemptId = "" } = useParams();
  const attempt = useQuery({
    queryKey: ["attempt", appId, msgId, attemptId],
    queryFn: () => api<Attempt>("GET", `/app/${enc(appId)}/msg/${enc(msgId)}/attempt/${enc(attemptId)}`),
  });
  if (attempt.isError) return <ErrorNote error={attempt.error} />;
  if (!attempt.data) return <Loading what="the attempt" />;
  const a = attempt.data;
  return (
    <>
      <p className="crumbs">
        <Link to={paths.app(appId)}>{appId}</Link> / <Link to={paths.message(appId, a.msgId)}>{a.msgId}</Link> /
      </p>
      <h1 className="mono break">{a.id}</h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge text={a.statusText} />
        </dd>
        <dt>Response status</dt>
        <dd>{a.responseStatusCode || "none"}</dd>
        <dt>Error kind</dt>
        <dd>{a.errorKind ?? "—"}</dd>
        <dt>Duration</dt>
        <dd>{a.responseDurationMs} ms</dd>
        <dt>Trigger</dt>
        <dd>{a.triggerType === 1 ? "manual (resend)" : "scheduled"}</dd>
        <dt>When</dt>
        <dd>
          <Time iso={a.timestamp} />
        </dd>
        <dt>URL</dt>
        <dd className="break">{a.url}</dd>
        <dt>Endpoint</dt>
        <dd>
          <Link to={paths.endpoint(appId, a.endpointId)}>{a.endpointId}</Link>
        </dd>
      </dl>
      <Section title="Request headers">
        <HeaderTable headers={a.requestHeaders} label="Request headers" />
      </Section>
      <Section title="Response headers">
        {a.responseHeaders ? (
          <HeaderTable headers={a.responseHeaders} label="Response headers" />
        ) : (
          <p className="muted">None recorded: no response came, or the attempt's content was deleted.</p>
        )}
      </Section>
      <Section title="Response body">
        <Code value={a.response} label="Response body" />
      </Section>
    </>
  );
}
