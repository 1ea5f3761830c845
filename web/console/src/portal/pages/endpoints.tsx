import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, enc, type Endpoint, type Page } from "../../api.ts";
import { EndpointHealth } from "../../components/endpoint-health.tsx";
import { EndpointStateBadge, ErrorNote, Loading, Section } from "../../components/ui.tsx";
import { portalPaths } from "../paths.ts";
import { useCan, useSession } from "../session.ts";

/** The application's endpoints: state, failure rate and successful deliveries per hour over 24 hours. */
export function Endpoints() {
  const { appId } = useSession();
  const can = useCan();
  const endpoints = useQuery({
    queryKey: ["endpoints", appId],
    queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(appId)}/endpoint?limit=250`),
  });
  return (
    <>
      <h1>Endpoints</h1>
      <Section
        title="Your endpoints"
        actions={
          can("ManageEndpoint") ? (
            <Link className="button primary" to={portalPaths.newEndpoint}>
              Add endpoint
            </Link>
          ) : null
        }
      >
        <ErrorNote error={endpoints.error} />
        {endpoints.isPending ? <Loading what="endpoints" /> : null}
        {endpoints.data?.data.length === 0 ? (
          <p className="muted">
            No endpoint yet. An endpoint is a URL of yours that receives webhooks.{" "}
            {can("ManageEndpoint") ? (
              <>
                Add one, or try the <Link to={portalPaths.inspector}>inspector</Link> if you have no server yet.
              </>
            ) : null}
          </p>
        ) : null}
        {endpoints.data?.data.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">State</th>
                <th scope="col">Failed (24 h)</th>
                <th scope="col">Successful per hour (24 h)</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.data.map((ep) => (
                <tr key={ep.id}>
                  <td className="break">
                    <Link to={portalPaths.endpoint(ep.id)}>{ep.url}</Link>
                    {ep.description ? <div className="muted">{ep.description}</div> : null}
                  </td>
                  <td>
                    <EndpointStateBadge disabled={ep.disabled} />
                  </td>
                  <EndpointHealth appId={appId} endpointId={ep.id} line="success" />
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Section>
    </>
  );
}
