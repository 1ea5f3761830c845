import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { api, enc, type Endpoint } from "../../api.ts";
import { TabPanel, useTabParam } from "../../components/tabs.tsx";
import { EndpointStateBadge, ErrorNote, Loading } from "../../components/ui.tsx";
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
  const tabs: [Tab, string][] = [
    ["overview", "Overview"],
    ["attempts", "Attempts"],
    ["settings", "Settings"],
    ...(canSeeSecret ? ([["secret", "Signing secret"]] as [Tab, string][]) : []),
    ...(can("CreateAttempts") ? ([["testing", "Testing"]] as [Tab, string][]) : []),
  ];
  const [tab, choose] = useTabParam<Tab>(tabs, "overview");
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
        <EndpointStateBadge disabled={ep.disabled} /> <span className="mono">{ep.id}</span>
        {ep.description ? <> · {ep.description}</> : null}
      </p>
      <TabPanel label="Endpoint" tabs={tabs} tab={tab} onChoose={choose}>
        {tab === "overview" ? <EndpointOverview appId={appId} endpoint={ep} /> : null}
        {tab === "attempts" ? <EndpointAttempts appId={appId} endpointId={ep.id} /> : null}
        {tab === "settings" ? <EndpointSettings appId={appId} base={base} endpoint={ep} /> : null}
        {tab === "secret" ? <EndpointSecret base={base} /> : null}
        {tab === "testing" ? <EndpointTesting appId={appId} base={base} /> : null}
      </TabPanel>
    </>
  );
}
