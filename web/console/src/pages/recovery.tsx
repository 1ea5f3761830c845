import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, enc, type Application, type BackgroundTask, type Endpoint, type Page } from "../api.ts";
import { CopyAs } from "../components/copy-as.tsx";
import { FailedCountConfirmation, FailedSinceField, useFailedRecovery } from "../components/failed-recovery.tsx";
import { ErrorNote, Section } from "../components/ui.tsx";

/** Recovery: resend every failed delivery of an endpoint since a time, after seeing how many that is. */
export function Recovery() {
  const [params, setParams] = useSearchParams();
  const appId = params.get("app") ?? "";
  const endpointId = params.get("endpoint") ?? "";
  const client = useQueryClient();
  const apps = useQuery({ queryKey: ["apps", "all"], queryFn: () => api<Page<Application>>("GET", "/app?limit=250") });
  const endpoints = useQuery({
    queryKey: ["endpoints", appId],
    queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(appId)}/endpoint?limit=250`),
    enabled: appId !== "",
  });
  // Counting stops after 20 pages: the number is for a decision, not an audit.
  const recovery = useFailedRecovery(appId, endpointId, { maxPages: 20 });
  const { count, recover, sinceIso } = recovery;
  // Recovery runs on the server as a background task (docs/api.md, "Background tasks"): followed
  // here until it ends, then the lists that show the deliveries are read again.
  const taskId = recover.data?.id;
  const task = useQuery({
    queryKey: ["background-task", taskId],
    queryFn: async () => {
      const t = await api<BackgroundTask>("GET", `/background-task/${enc(taskId!)}`);
      if (t.status !== "running")
        void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "background-task" });
      return t;
    },
    enabled: taskId !== undefined,
    refetchInterval: (q) => (q.state.data?.status === "running" || !q.state.data ? 500 : false),
  });
  const requeued = Number(task.data?.data.messagesSent ?? 0);
  const choose = (changes: Record<string, string>) => {
    count.reset();
    recover.reset();
    setParams({ ...Object.fromEntries(params), ...changes }, { replace: true });
  };

  return (
    <>
      <h1>Recovery</h1>
      <p>
        After an outage of a customer's endpoint, resend everything that failed since it began. Deliveries that have
        failed for good are queued again at once; those still retrying are left to their schedule.
      </p>
      <Section title="Recover an endpoint">
        <form className="grid-form" onSubmit={recovery.submit}>
          <label htmlFor="rec-app">Application</label>
          <select id="rec-app" value={appId} onChange={(e) => choose({ app: e.target.value, endpoint: "" })} required>
            <option value="">Choose…</option>
            {apps.data?.data.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <label htmlFor="rec-endpoint">Endpoint</label>
          <select
            id="rec-endpoint"
            value={endpointId}
            onChange={(e) => choose({ endpoint: e.target.value })}
            required
            disabled={!appId}
          >
            <option value="">Choose…</option>
            {endpoints.data?.data.map((ep) => (
              <option key={ep.id} value={ep.id}>
                {ep.url}
              </option>
            ))}
          </select>
          <FailedSinceField id="rec-since" recovery={recovery} />
          <div />
          <button type="submit" disabled={!endpointId || count.isPending}>
            Count failed messages
          </button>
        </form>
        <ErrorNote error={apps.error ?? endpoints.error ?? count.error ?? recover.error} />
        <FailedCountConfirmation recovery={recovery} />
        {recover.data ? (
          <p role="status" className={task.data?.status === "failed" ? "error" : "ok-text"}>
            {!task.data || task.data.status === "running"
              ? "Recovery started…"
              : task.data.status === "failed"
                ? `Recovery failed: ${String(task.data.data.error ?? "")}`
                : `Recovery finished: ${requeued} deliver${requeued === 1 ? "y" : "ies"} queued again.`}
          </p>
        ) : null}
        {endpointId && sinceIso ? (
          <CopyAs
            label="recover"
            call={{
              method: "POST",
              path: `/app/${enc(appId)}/endpoint/${enc(endpointId)}/recover`,
              body: { since: sinceIso },
            }}
          />
        ) : null}
      </Section>
    </>
  );
}
