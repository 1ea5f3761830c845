import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api, enc, type Attempt, type Message } from "../api.ts";
import { LineDiff } from "../components/line-diff.tsx";
import { ErrorNote, Loading, Section, StatusBadge, Time } from "../components/ui.tsx";
import { paths } from "../paths.ts";
import { SENSITIVE_HEADER } from "./attempt-detail.tsx";
import "../editing.css";

/** Pretty JSON when the text is JSON, so a diff compares values line by line rather than one long line. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Headers as sorted `name: value` lines (credentials redacted, as on the attempt's page); none: empty. */
function headerLines(headers: Record<string, string> | null): string {
  if (!headers) return "";
  return Object.keys(headers)
    .sort()
    .map((name) => `${name}: ${SENSITIVE_HEADER.test(name) ? "(redacted)" : headers[name]}`)
    .join("\n");
}

/**
 * Two attempts of one message side by side (`?a=…&b=…`): what changed between a failure and the
 * success after it, or between two endpoints. Hookline records each attempt's request headers,
 * response status, headers and body; the request body is the message's payload (a
 * transformation's output is not kept).
 */
export function AttemptDiff() {
  const { appId = "", msgId = "" } = useParams();
  const [params] = useSearchParams();
  const ids = [params.get("a") ?? "", params.get("b") ?? ""] as const;
  const fetchAttempt = (id: string) => api<Attempt>("GET", `/app/${enc(appId)}/msg/${enc(msgId)}/attempt/${enc(id)}`);
  const first = useQuery({ queryKey: ["attempt", appId, msgId, ids[0]], queryFn: () => fetchAttempt(ids[0]) });
  const second = useQuery({ queryKey: ["attempt", appId, msgId, ids[1]], queryFn: () => fetchAttempt(ids[1]) });
  const message = useQuery({
    queryKey: ["message", appId, msgId],
    queryFn: () => api<Message>("GET", `/app/${enc(appId)}/msg/${enc(msgId)}`),
  });
  const error = first.error ?? second.error ?? message.error;
  if (error) return <ErrorNote error={error} />;
  if (!first.data || !second.data || !message.data) return <Loading what="the attempts" />;
  const [a, b] = [first.data, second.data];
  const rows: [string, (x: Attempt) => ReactNode, (x: Attempt) => string][] = [
    ["Status", (x) => <StatusBadge text={x.statusText} />, (x) => x.statusText],
    ["Response status", (x) => x.responseStatusCode || "none", (x) => String(x.responseStatusCode)],
    ["Error kind", (x) => x.errorKind ?? "—", (x) => x.errorKind ?? ""],
    ["Duration", (x) => `${x.responseDurationMs} ms`, (x) => String(x.responseDurationMs)],
    ["Trigger", (x) => (x.triggerType === 1 ? "manual" : "scheduled"), (x) => String(x.triggerType)],
    ["When", (x) => <Time iso={x.timestamp} />, (x) => x.timestamp],
    ["URL", (x) => <span className="break">{x.url}</span>, (x) => x.url],
    ["Endpoint", (x) => <Link to={paths.endpoint(appId, x.endpointId)}>{x.endpointId}</Link>, (x) => x.endpointId],
  ];
  const payload = JSON.stringify(message.data.payload, null, 2);
  return (
    <>
      <p className="crumbs">
        <Link to={paths.app(appId)}>{appId}</Link> / <Link to={paths.message(appId, msgId)}>{msgId}</Link> /
      </p>
      <h1>Two attempts compared</h1>
      <Section title="Attempts">
        <table>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">
                <span className="muted">−</span>{" "}
                <Link to={paths.attempt(appId, msgId, a.id)} className="mono">
                  {a.id}
                </Link>
              </th>
              <th scope="col">
                <span className="muted">+</span>{" "}
                <Link to={paths.attempt(appId, msgId, b.id)} className="mono">
                  {b.id}
                </Link>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, show, value]) => {
              const changed = value(a) !== value(b);
              return (
                <tr key={name} className={changed ? "diff-changed" : undefined}>
                  <th scope="row">
                    {name}
                    {changed ? <span className="visually-hidden"> (differs)</span> : null}
                  </th>
                  <td>{show(a)}</td>
                  <td>{show(b)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Section>
      <Section title="Request headers">
        <LineDiff a={headerLines(a.requestHeaders)} b={headerLines(b.requestHeaders)} label="Request headers diff" />
      </Section>
      <Section title="Request body">
        <p className="muted">
          The message's payload, sent to both (a transformation's output is not recorded, so an endpoint with one sent
          its result instead).
        </p>
        <LineDiff a={payload} b={payload} label="Request body diff" />
      </Section>
      <Section title="Response headers">
        <LineDiff a={headerLines(a.responseHeaders)} b={headerLines(b.responseHeaders)} label="Response headers diff" />
      </Section>
      <Section title="Response body">
        <LineDiff a={pretty(a.response)} b={pretty(b.response)} label="Response body diff" />
      </Section>
    </>
  );
}
