import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, enc, type Attempt, type Message, type Page } from "../../api.ts";
import { Code, ErrorNote, Section, StatusBadge } from "../../components/ui.tsx";
import { latestSchema, useCatalog } from "../catalog.ts";
import { portalPaths } from "../paths.ts";

/** Sends an event type's example to this endpoint alone and shows the attempt as it arrives. */
export function EndpointTesting({ appId, base }: { appId: string; base: string }) {
  const [eventType, setEventType] = useState("");
  const catalog = useCatalog();
  const send = useMutation({ mutationFn: () => api<Message>("POST", `${base}/send-example`, { eventType }) });
  const sent = send.data;
  const attempts = useQuery({
    queryKey: ["portal-test-attempts", appId, sent?.id],
    enabled: sent !== undefined,
    queryFn: () => api<Page<Attempt>>("GET", `/app/${enc(appId)}/attempt/msg/${enc(sent!.id)}`),
    refetchInterval: (q) => (q.state.data?.data.length ? false : 1000),
  });
  const chosen = catalog.data?.data.find((t) => t.name === eventType);
  const example = chosen ? latestSchema(chosen)?.example : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  const first = attempts.data?.data[0];
  return (
    <Section title="Send a test event">
      <p>Sends an event type's example to this endpoint only, and shows the attempt as it arrives.</p>
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor="test-type">Event type</label>
        <select id="test-type" required value={eventType} onChange={(e) => setEventType(e.target.value)}>
          <option value="">Choose…</option>
          {catalog.data?.data.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
        <div />
        <button type="submit" className="primary" disabled={send.isPending || !eventType}>
          Send example
        </button>
      </form>
      {eventType ? (
        example !== undefined ? (
          <Code value={example} label="The example that will be sent" />
        ) : (
          <p className="muted">This type has no example: a small stand-in payload is sent.</p>
        )
      ) : null}
      <ErrorNote error={catalog.error ?? send.error ?? attempts.error} />
      {sent ? (
        <p role="status" data-testid="test-result">
          Sent as message{" "}
          <Link to={portalPaths.message(sent.id)} className="mono">
            {sent.id}
          </Link>
          {first ? (
            <>
              : <StatusBadge text={first.statusText} /> {first.responseStatusCode || first.errorKind}
            </>
          ) : (
            "; waiting for the attempt…"
          )}
        </p>
      ) : null}
    </Section>
  );
}
