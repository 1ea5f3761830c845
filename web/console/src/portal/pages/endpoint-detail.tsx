import { useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router";
import { api, enc, type Endpoint } from "../../api.ts";
import { ErrorNote, Loading } from "../../components/ui.tsx";
import { portalPaths } from "../paths.ts";
import { useCan, useCanSeeSecret, useSession } from "../session.ts";
import { EndpointAttempts } from "./endpoint-attempts.tsx";
import { EndpointOverview } from "./endpoint-overview.tsx";
import { EndpointSecret } from "./endpoint-secret.tsx";
import { EndpointSettings } from "./endpoint-settings.tsx";
import { EndpointTesting } from "./endpoint-testing.tsx";

type Tab = "overview" | "attempts" | "settings" | "secret" | "testing";

/** One endpoint, in tabs; the tabs the session cannot use are left out. */
export function EndpointDetail() {
  const { appId } = useSession();
  const { endpointId = "" } = useParams();
  const can = useCan();
  const canSeeSecret = useCanSeeSecret();
  const [params, setParams] = useSearchParams();
  const tabs: [Tab, string][] = [
    ["overview", "Overview"],
    ["attempts", "Attempts"],
    ["settings", "Settings"],
    ...(canSeeSecret ? ([["secret", "Signing secret"]] as [Tab, string][]) : []),
    ...(can("CreateAttempts") ? ([["testing", "Testing"]] as [Tab, string][]) : []),
  ];
  const tab = (tabs.some(([t]) => t === params.get("tab")) ? params.get("tab") : "overview") as Tab;
  const base = `/app/${enc(appId)}/endpoint/${enc(endpointId)}`;
  const endpoint = useQuery({ queryKey: ["endpoint", appId, endpointId], queryFn: () => api<Endpoint>("GET", base) });

  if (endpoint.isError) return <ErrorNote error={endpoint.error} />;
  if (!endpoint.data) return <Loading what="the endpoint" />;
  const ep = endpoint.data;
  return (
    <>
      <p className="crumbs">
        <Link to={portalPaths.endpoints}>Endpoints</Link> /
      </p>
      <h1 className="break">{ep.url}</h1>
      <p>
        <span className={`badge ${ep.disabled ? "bad" : "ok"}`}>{ep.disabled ? "disabled" : "enabled"}</span>{" "}
        <span className="mono">{ep.id}</span>
        {ep.description ? <> · {ep.description}</> : null}
      </p>
      <div role="tablist" aria-label="Endpoint" className="tabs">
        {tabs.map(([key, label]) => (
          <button
            key={key}
            role="tab"
            type="button"
            id={`tab-${key}`}
            aria-selected={tab === key}
            aria-controls="tabpanel"
            onClick={() => setParams({ tab: key }, { replace: true })}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === "overview" ? <EndpointOverview appId={appId} endpoint={ep} /> : null}
        {tab === "attempts" ? <EndpointAttempts appId={appId} endpointId={ep.id} /> : null}
        {tab === "settings" ? <EndpointSettings appId={appId} base={base} endpoint={ep} /> : null}
        {tab === "secret" ? <EndpointSecret base={base} /> : null}
        {tab === "testing" ? <EndpointTesting appId={appId} base={base} /> : null}
      </div>
    </>
  );
}
