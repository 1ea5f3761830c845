import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, enc, query, type BackgroundTask, type Message, type Page } from "../api.ts";

/**
 * Recovering an endpoint's failed deliveries, as the console's Recovery page and the portal's
 * endpoint page both offer it: pick a time, see how many messages failed since then, and only then
 * resend them.
 */

const PAGE = 250;

/** `datetime-local`'s value for the local time `ms` ago. */
export const localNowMinus = (ms: number) =>
  new Date(Date.now() - ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/**
 * How many of the endpoint's deliveries failed since the time: the number the confirmation shows.
 * Counting stops after `maxPages` pages (the number is for a decision, not an audit) and says "more".
 */
async function countFailed(
  appId: string,
  endpointId: string,
  since: string,
  maxPages: number,
): Promise<{ count: number; more: boolean }> {
  let count = 0;
  let iterator: string | null = null;
  for (let i = 0; i < maxPages; i++) {
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

/** The state of one recovery: the chosen time, the count (asked for on submit) and the resend. */
export function useFailedRecovery(appId: string, endpointId: string, options: { maxPages: number; since?: string }) {
  const [since, setSince] = useState(options.since ?? localNowMinus(86_400_000));
  const sinceIso = since ? new Date(since).toISOString() : "";
  const count = useMutation({ mutationFn: () => countFailed(appId, endpointId, sinceIso, options.maxPages) });
  const recover = useMutation({
    mutationFn: () =>
      api<BackgroundTask>("POST", `/app/${enc(appId)}/endpoint/${enc(endpointId)}/recover`, {
        since: sinceIso,
      }),
    onSuccess: () => count.reset(),
  });
  return {
    since,
    sinceIso,
    count,
    recover,
    /** A new time: the count shown so far no longer applies. */
    changeSince(value: string) {
      count.reset();
      setSince(value);
    },
    /** The form's submit: count, and forget the outcome of an earlier resend. */
    submit(e: FormEvent) {
      e.preventDefault();
      recover.reset();
      count.mutate();
    },
  };
}

export type FailedRecovery = ReturnType<typeof useFailedRecovery>;

/** The "Failed since" label and field of the recovery form (a grid-form row). */
export function FailedSinceField({ id, recovery }: { id: string; recovery: FailedRecovery }) {
  return (
    <>
      <label htmlFor={id}>Failed since</label>
      <input
        id={id}
        type="datetime-local"
        required
        value={recovery.since}
        onChange={(e) => recovery.changeSince(e.target.value)}
      />
    </>
  );
}

/** The count, once asked for, and the button that resends what it counted. */
export function FailedCountConfirmation({ recovery }: { recovery: FailedRecovery }) {
  const { count, recover, sinceIso } = recovery;
  if (!count.data) return null;
  const { count: n, more } = count.data;
  return (
    <div role="status" className="confirm-box">
      <p data-testid="failed-count">
        {n === 0
          ? "No failed message since then: nothing to recover."
          : `${more ? "More than " : ""}${n} failed message${n === 1 ? "" : "s"} since ${new Date(sinceIso).toLocaleString()}.`}
      </p>
      {n > 0 ? (
        <button type="button" className="primary" onClick={() => recover.mutate()} disabled={recover.isPending}>
          Resend {more ? "them all" : n === 1 ? "it" : `all ${n}`}
        </button>
      ) : null}
    </div>
  );
}
