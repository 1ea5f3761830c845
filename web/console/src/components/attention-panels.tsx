import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, enc, query, type Application, type Backlog, type EndpointHealthEntry } from "../api.ts";
import { paths } from "../paths.ts";
import { ErrorNote, Loading, Section, Time } from "./ui.tsx";

interface Scope {
  appId: string;
  endpointId: string;
}

/**
 * What needs an operator now, beside the overview's charts: the delivery backlog and the
 * endpoints disabled or failing over the chart's range, for the same scope.
 */
export function AttentionPanels({
  scope,
  since,
  until,
  apps,
}: {
  scope: Scope;
  since: string | undefined;
  until: string | undefined;
  apps: Application[];
}) {
  return (
    <div className="panels">
      <BacklogPanel scope={scope} />
      <FailingEndpointsPanel scope={scope} since={since} until={until} apps={apps} />
    </div>
  );
}

function BacklogPanel({ scope }: { scope: Scope }) {
  const path = scope.appId
    ? scope.endpointId
      ? `/app/${enc(scope.appId)}/endpoint/${enc(scope.endpointId)}/stats/backlog`
      : `/app/${enc(scope.appId)}/stats/backlog`
    : "/stats/backlog";
  const backlog = useQuery({
    queryKey: ["backlog", path],
    queryFn: () => api<Backlog>("GET", path),
    refetchInterval: 10_000,
  });
  return (
    <Section title="Backlog">
      <ErrorNote error={backlog.error} />
      {backlog.isPending ? <Loading what="the backlog" /> : null}
      {backlog.data ? (
        <dl className="figures" data-testid="backlog">
          <div>
            <dt>Due now</dt>
            <dd data-testid="backlog-due">{backlog.data.due}</dd>
          </div>
          <div>
            <dt>Waiting to retry</dt>
            <dd data-testid="backlog-scheduled">{backlog.data.scheduled}</dd>
          </div>
          <div>
            <dt>Earliest next attempt</dt>
            <dd className="small">
              <Time iso={backlog.data.oldestDueAt} />
            </dd>
          </div>
        </dl>
      ) : null}
    </Section>
  );
}

function FailingEndpointsPanel({
  scope,
  since,
  until,
  apps,
}: {
  scope: Scope;
  since: string | undefined;
  until: string | undefined;
  apps: Application[];
}) {
  const path = scope.appId ? `/app/${enc(scope.appId)}/stats/endpoints` : "/stats/endpoints";
  const health = useQuery({
    queryKey: ["endpoint-health", path, since, until],
    queryFn: () => api<{ data: EndpointHealthEntry[] }>("GET", path + query({ since, until })),
    refetchInterval: 60_000,
  });
  const names = new Map(apps.map((a) => [a.id, a.name]));
  const rows = (health.data?.data ?? []).filter((e) => !scope.endpointId || e.endpointId === scope.endpointId);
  return (
    <Section title="Endpoints disabled or failing">
      <ErrorNote error={health.error} />
      {health.isPending ? <Loading what="endpoint health" /> : null}
      {health.data && rows.length === 0 ? <p className="muted">None: every endpoint delivered in this range.</p> : null}
      {rows.length ? (
        <table data-testid="failing-endpoints">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              {scope.appId ? null : <th scope="col">Application</th>}
              <th scope="col">State</th>
              <th scope="col">Failure rate</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.endpointId}>
                <td>
                  <Link to={paths.endpoint(e.appId, e.endpointId)}>{e.url}</Link>
                </td>
                {scope.appId ? null : (
                  <td>
                    <Link to={paths.app(e.appId)}>{names.get(e.appId) ?? e.appId}</Link>
                  </td>
                )}
                <td>
                  <span className={`badge ${e.disabled ? "bad" : "wait"}`}>{e.disabled ? "disabled" : "failing"}</span>
                </td>
                <td>{e.failureRate === null ? "no attempts" : `${(100 * e.failureRate).toFixed(0)}% of ${e.total}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Section>
  );
}
