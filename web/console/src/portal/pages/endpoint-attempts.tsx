import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, enc, query, type Attempt, type Page } from "../../api.ts";
import { AttemptOutcomeCells, AttemptOutcomeHeaders, AttemptStatusSelect } from "../../components/attempt-list.tsx";
import { ErrorNote, Loading, Pager, Section } from "../../components/ui.tsx";
import { useCatalog } from "../catalog.ts";
import { portalPaths } from "../paths.ts";
import { useCan } from "../session.ts";
import { Recover } from "./recover.tsx";

const SINCE = [
  { key: "", label: "Any time", ms: 0 },
  { key: "1h", label: "Last hour", ms: 3_600_000 },
  { key: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { key: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
] as const;

/** The endpoint's attempts, newest first, filtered by status, event type and time. */
export function EndpointAttempts({ appId, endpointId }: { appId: string; endpointId: string }) {
  const can = useCan();
  const [status, setStatus] = useState("");
  const [eventType, setEventType] = useState("");
  const [since, setSince] = useState("");
  const [iterator, setIterator] = useState<string | null>(null);
  const catalog = useCatalog();
  const sinceMs = SINCE.find((s) => s.key === since)?.ms ?? 0;
  const attempts = useQuery({
    queryKey: ["portal-attempts", appId, endpointId, status, eventType, since, iterator],
    queryFn: () =>
      api<Page<Attempt & { msg?: { eventType: string } }>>(
        "GET",
        `/app/${enc(appId)}/attempt/endpoint/${enc(endpointId)}` +
          query({
            status,
            event_types: eventType ? [eventType] : undefined,
            after: sinceMs ? new Date(Date.now() - sinceMs).toISOString() : undefined,
            with_msg: "true",
            iterator,
            limit: 50,
          }),
      ),
  });
  const reset = () => setIterator(null);
  return (
    <>
      <Section title="Attempts">
        <div className="toolbar">
          <label>
            Status{" "}
            <AttemptStatusSelect
              value={status}
              onChange={(value) => {
                setStatus(value);
                reset();
              }}
            />
          </label>
          <label>
            Event type{" "}
            <select
              value={eventType}
              onChange={(e) => {
                setEventType(e.target.value);
                reset();
              }}
            >
              <option value="">Any</option>
              {catalog.data?.data.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            When{" "}
            <select
              value={since}
              onChange={(e) => {
                setSince(e.target.value);
                reset();
              }}
            >
              {SINCE.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorNote error={attempts.error} />
        {attempts.isPending ? <Loading what="attempts" /> : null}
        {attempts.data && !attempts.data.data.length ? <p className="muted">No attempts.</p> : null}
        {attempts.data?.data.length ? (
          <table>
            <thead>
              <tr>
                <AttemptOutcomeHeaders />
                <th scope="col">Event type</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {attempts.data.data.map((a) => (
                <tr key={a.id}>
                  <AttemptOutcomeCells attempt={a} />
                  <td className="mono">{a.msg?.eventType ?? "—"}</td>
                  <td>
                    <Link to={portalPaths.message(a.msgId)} className="mono">
                      {a.msgId}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Pager page={attempts.data} iterator={iterator} onChange={setIterator} />
      </Section>
      {can("CreateAttempts") ? <Recover appId={appId} endpointId={endpointId} /> : null}
    </>
  );
}
