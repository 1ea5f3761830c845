import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, enc, query, type Message, type Page } from "../../api.ts";
import { ErrorNote, Section } from "../../components/ui.tsx";

const PAGE = 250;
/** Counting stops after this many pages (10 000 messages) and says "more than". */
const MAX_PAGES = 40;

const localNowMinus = (ms: number) =>
  new Date(Date.now() - ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

async function countFailed(appId: string, endpointId: string, since: string) {
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

/** "Recover everything that failed since…": the number first, the resend after a confirmation. */
export function Recover({ appId, endpointId, since: initial }: { appId: string; endpointId: string; since?: string }) {
  const [since, setSince] = useState(initial ?? localNowMinus(86_400_000));
  const sinceIso = since ? new Date(since).toISOString() : "";
  const count = useMutation({ mutationFn: () => countFailed(appId, endpointId, sinceIso) });
  const recover = useMutation({
    mutationFn: () =>
      api<{ recovered?: number }>("POST", `/app/${enc(appId)}/endpoint/${enc(endpointId)}/recover`, {
        since: sinceIso,
      }),
    onSuccess: () => count.reset(),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    recover.reset();
    count.mutate();
  };
  const field = `recover-since-${endpointId}`;
  return (
    <Section title="Recover failed deliveries">
      <p>After an outage of your server, send again everything that failed for good since it began.</p>
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor={field}>Failed since</label>
        <input
          id={field}
          type="datetime-local"
          required
          value={since}
          onChange={(e) => {
            count.reset();
            setSince(e.target.value);
          }}
        />
        <div />
        <button type="submit" disabled={count.isPending}>
          Count failed messages
        </button>
      </form>
      <ErrorNote error={count.error ?? recover.error} />
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
      {recover.isSuccess ? (
        <p role="status" className="ok-text">
          Recovery started: the failed messages are queued again.
        </p>
      ) : null}
    </Section>
  );
}
