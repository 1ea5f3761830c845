import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import {
  api,
  enc,
  query,
  type Application,
  type BackgroundTask,
  type Endpoint,
  type Message,
  type Page,
} from "../api.ts";
import { CopyAs } from "../components/copy-as.tsx";
import { ErrorNote, Section } from "../components/ui.tsx";

/** Counting stops here: the number is for a decision, not an audit. */
const MAX_PAGES = 20;
const PAGE = 250;

const localNowMinus = (ms: number) =>
  new Date(Date.now() - ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** How many of the endpoint's deliveries failed since the time: the number the confirmation shows. */
async function countFailed(
  appId: string,
  endpointId: string,
  since: string,
): Promise<{ count: number; more: boolean }> {
  let count = 0;
  let iterator: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: Page<Message> = await api<Page<Message>>(
      "GET",
      `/app/${enc(appId)}/endpoint/${enc(endpointId)}/msg` +
        query({ status: 2, after: since, limit: PAGE, iterator, with_content: "false" }),
    );
    count += page.data.length;
    if (page.done || !page.iterator) return { count, more: false };
    iterator = page.iterator;
  }
  return { count, more: true };
}

/** Recovery: resend every failed delivery of an endpoint since a time, after seeing how many that is. */
export function Recovery() {
  const [params, setParams] = useSearchParams();
  const appId = params.get("app") ?? "";
  const endpointId = params.get("endpoint") ?? "";
  const [since, setSince] = useState(localNowMinus(86_400_000));
  const client = useQueryClient();
  const apps = useQuery({ queryKey: ["apps", "all"], queryFn: () => api<Page<Application>>("GET", "/app?limit=250") });
  const endpoints = useQuery({
    queryKey: ["endpoints", appId],
    queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(appId)}/endpoint?limit=250`),
    enabled: appId !== "",
  });
  const sinceIso = since ? new Date(since).toISOString() : "";
  const count = useMutation({ mutationFn: () => countFailed(appId, endpointId, sinceIso) });
  const recover = useMutation({
    mutationFn: () =>
      api<BackgroundTask>("POST", `/app/${enc(appId)}/endpoint/${enc(endpointId)}/recover`, {
        since: sinceIso,
      }),
    onSuccess: () => count.reset(),
  });
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
  const submit = (e: FormEvent) => {
    e.preventDefault();
    recover.reset();
    count.mutate();
  };

  return (
    <>
      <h1>Recovery</h1>
      <p>
        After an outage of a customer's endpoint, resend everything that failed since it began. Deliveries that have
        failed for good are queued again at once; those still retrying are left to their schedule.
      </p>
      <Section title="Recover an endpoint">
        <form className="grid-form" onSubmit={submit}>
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
          <label htmlFor="rec-since">Failed since</label>
          <input
            id="rec-since"
            type="datetime-local"
            required
            value={since}
            onChange={(e) => {
              count.reset();
              setSince(e.target.value);
            }}
          />
          <div />
          <button type="submit" disabled={!endpointId || count.isPending}>
            Count failed messages
          </button>
        </form>
        <ErrorNote error={apps.error ?? endpoints.error ?? count.error ?? recover.error} />
        {count.data ? (
          <div role="status" className="confirm-box">
            <p data-testid="failed-count">
              {count.data.count === 0
                ? "No failed message since then: nothing to recover."
                : `${count.data.more ? "More than " : ""}${count.data.count} failed message${count.data.count === 1 ? "" : "s"} since ${new Date(sinceIso).toLocaleString()}.`}
            </p>
            {count.data.count > 0 ? (
              <button type="button" className="primary" onClick={() => recover.mutate()} disabled={recover.isPending}>
                Resend {count.data.more ? "them all" : count.data.count === 1 ? "it" : `all ${count.data.count}`}
              </button>
            ) : null}
          </div>
        ) : null}
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
