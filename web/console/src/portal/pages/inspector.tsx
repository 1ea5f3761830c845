import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, enc, type Endpoint, type Page } from "../../api.ts";
import { Code, ConfirmButton, ErrorNote, Loading, Section, Time } from "../../components/ui.tsx";
import { portalPaths } from "../paths.ts";
import { useCan, useSession } from "../session.ts";

interface InspectorOut {
  id: string;
  url: string;
  createdAt: string;
  expiresAt: string;
}
interface ReceivedRequest {
  id: string;
  receivedAt: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  truncated: boolean;
}

/** How often the open inspector is read again: requests show within this long. */
const LIVE_MS = 2000;

/**
 * The inspector: a test URL hosted by Hookline that records what it receives (docs/portal.md), for
 * a consumer without a server yet. Create one, add it as an endpoint, watch deliveries arrive.
 */
export function Inspector() {
  const { appId } = useSession();
  const can = useCan();
  const client = useQueryClient();
  const base = `/app/${enc(appId)}/inspector`;
  const list = useQuery({ queryKey: ["inspectors", appId], queryFn: () => api<{ data: InspectorOut[] }>("GET", base) });
  const [openId, setOpenId] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api<InspectorOut>("POST", base, {}),
    onSuccess: (inspector) => {
      setOpenId(inspector.id);
      void client.invalidateQueries({ queryKey: ["inspectors", appId] });
    },
  });
  const current = openId ?? list.data?.data[0]?.id ?? null;
  return (
    <>
      <h1>Inspector</h1>
      <p>
        No server yet? Create a test URL here, add it as an endpoint, and see every delivery it receives: headers
        (signature included) and body. A test URL keeps its last 100 requests and lasts 24 hours.
      </p>
      <Section
        title="Test URLs"
        actions={
          can("ManageEndpoint") ? (
            <button type="button" className="primary" onClick={() => create.mutate()} disabled={create.isPending}>
              Create test URL
            </button>
          ) : null
        }
      >
        <ErrorNote error={list.error ?? create.error} />
        {list.isPending ? <Loading what="test URLs" /> : null}
        {list.data?.data.length === 0 ? <p className="muted">No test URL yet.</p> : null}
        {list.data?.data.length ? (
          <ul className="plain">
            {list.data.data.map((i) => (
              <li key={i.id}>
                <button
                  type="button"
                  className={i.id === current ? "primary" : ""}
                  aria-pressed={i.id === current}
                  onClick={() => setOpenId(i.id)}
                >
                  <span className="mono">{i.id}</span>
                </button>{" "}
                <span className="muted">
                  until <Time iso={i.expiresAt} />
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </Section>
      {current ? <InspectorRequests key={current} base={`${base}/${enc(current)}`} appId={appId} /> : null}
    </>
  );
}

function InspectorRequests({ base, appId }: { base: string; appId: string }) {
  const can = useCan();
  const client = useQueryClient();
  const inspector = useQuery({
    queryKey: ["inspector", base],
    queryFn: () => api<InspectorOut & { requests: ReceivedRequest[] }>("GET", base),
    refetchInterval: LIVE_MS,
  });
  const endpoints = useQuery({
    queryKey: ["endpoints", appId],
    queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(appId)}/endpoint?limit=250`),
  });
  const addEndpoint = useMutation({
    mutationFn: () =>
      api<Endpoint>("POST", `/app/${enc(appId)}/endpoint`, {
        url: inspector.data!.url,
        description: "Inspector test URL",
      }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["endpoints", appId] }),
  });
  const remove = useMutation({
    mutationFn: () => api("DELETE", base),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["inspectors", appId] }),
  });
  if (inspector.isError) return <ErrorNote error={inspector.error} />;
  if (!inspector.data) return <Loading what="the test URL" />;
  const i = inspector.data;
  const endpoint = endpoints.data?.data.find((e) => e.url === i.url);
  return (
    <Section title="Received requests">
      <p>
        URL:{" "}
        <code className="break" data-testid="inspector-url">
          {i.url}
        </code>
      </p>
      <p>
        {endpoint ? (
          <>
            Added as <Link to={portalPaths.endpoint(endpoint.id, "testing")}>endpoint {endpoint.id}</Link>: send it a
            test event from its Testing tab.
          </>
        ) : can("ManageEndpoint") ? (
          <button type="button" onClick={() => addEndpoint.mutate()} disabled={addEndpoint.isPending}>
            Add as endpoint
          </button>
        ) : null}{" "}
        {can("ManageEndpoint") ? (
          <ConfirmButton
            label="Delete test URL"
            confirmLabel="Really delete it"
            danger
            onConfirm={() => remove.mutate()}
          />
        ) : null}
      </p>
      <ErrorNote error={addEndpoint.error ?? remove.error} />
      <p className="muted" aria-live="polite" data-testid="inspector-count">
        {i.requests.length === 0
          ? "Nothing received yet; this page shows requests as they arrive."
          : `${i.requests.length} request${i.requests.length === 1 ? "" : "s"} received.`}
      </p>
      <ol className="attempts">
        {i.requests.map((r) => (
          <li key={r.id}>
            <details>
              <summary>
                <Time iso={r.receivedAt} /> <span className="mono">{r.method}</span> · {r.bodyBytes} bytes
                {r.truncated ? " (truncated)" : ""}
              </summary>
              <h3>Headers</h3>
              <Code value={r.headers} label={`Headers of request ${r.id}`} />
              <h3>Body</h3>
              <Code value={r.body} label={`Body of request ${r.id}`} />
            </details>
          </li>
        ))}
      </ol>
    </Section>
  );
}
