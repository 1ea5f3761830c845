import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { api, enc, ingestApi, type Endpoint, type IngestLogEntry, type IngestSource, type Page } from "../api.ts";
import { SourceConfigFields } from "../components/source-config-fields.tsx";
import { configFrom, formOf } from "../components/source-types.ts";
import { EndpointStateBadge, ErrorNote, Loading, Pager, Section, Time } from "../components/ui.tsx";
import { paths } from "../paths.ts";
import "../operations.css";

/** One inbound source: its ingest URL, its settings, its destinations and its log with replay. */
export function InboundSource() {
  const { sourceId = "" } = useParams();
  const source = useQuery({
    queryKey: ["source", sourceId],
    queryFn: () => ingestApi<IngestSource>("GET", `/source/${enc(sourceId)}`),
  });
  if (source.isError) return <ErrorNote error={source.error} />;
  if (!source.data) return <Loading what="the source" />;
  const s = source.data;
  return (
    <>
      <p className="crumbs">
        <Link to={paths.inbound}>Inbound</Link> /
      </p>
      <h1>{s.name}</h1>
      <dl className="facts">
        <dt>Provider</dt>
        <dd>{formOf(s.type)?.label ?? s.type}</dd>
        <dt>id</dt>
        <dd className="mono">{s.id}</dd>
        <dt>Ingest URL</dt>
        <dd>
          <IngestUrl url={s.ingestUrl} />
        </dd>
        <dt>Events stored in</dt>
        <dd>
          <Link to={paths.app(s.appId)} className="mono">
            {s.appId}
          </Link>
        </dd>
      </dl>
      <SourceLog source={s} />
      <Destinations source={s} />
      <EditSource source={s} key={s.id} />
    </>
  );
}

function IngestUrl({ url }: { url: string | null }) {
  const [copied, setCopied] = useState<string | null>(null);
  if (!url) return <span className="muted">—</span>;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied("Copied.");
    } catch {
      setCopied("Copying was refused by the browser: select the URL instead.");
    }
  };
  return (
    <span className="copy-row">
      <code data-testid="ingest-url">{url}</code>
      <button type="button" onClick={() => void copy()}>
        Copy ingest URL
      </button>
      <span role="status" className="muted">
        {copied}
      </span>
    </span>
  );
}

const OUTCOME_CLASS: Record<string, string> = {
  accepted: "ok",
  replied: "ok",
  duplicate: "wait",
  refused: "bad",
  rejected: "bad",
  blocked: "bad",
};

function SourceLog({ source }: { source: IngestSource }) {
  const [iterator, setIterator] = useState<string | null>(null);
  const [replayed, setReplayed] = useState<string | null>(null);
  const log = useQuery({
    queryKey: ["source-log", source.id, iterator],
    queryFn: () =>
      ingestApi<Page<IngestLogEntry>>(
        "GET",
        `/source/${enc(source.id)}/log?limit=25${iterator ? `&iterator=${enc(iterator)}` : ""}`,
      ),
    refetchInterval: iterator ? false : 5_000,
  });
  const replay = useMutation({
    mutationFn: (logId: string) =>
      ingestApi<{ msgId: string; replayed: number }>("POST", `/source/${enc(source.id)}/log/${enc(logId)}/replay`, {}),
    onSuccess: (r) => setReplayed(`Replayed ${r.msgId} to ${r.replayed} destination${r.replayed === 1 ? "" : "s"}.`),
  });
  return (
    <Section title="Log">
      <ErrorNote error={log.error ?? replay.error} />
      {replayed ? (
        <p role="status" className="ok-text">
          {replayed}
        </p>
      ) : null}
      {log.isPending ? <Loading what="the log" /> : null}
      {log.data?.data.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Outcome</th>
              <th scope="col">Answered</th>
              <th scope="col">Event or reason</th>
              <th scope="col">From</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {log.data.data.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <Time iso={entry.created_at} />
                </td>
                <td>
                  <span className={`badge ${OUTCOME_CLASS[entry.outcome] ?? ""}`}>{entry.outcome}</span>
                </td>
                <td>{entry.status_code}</td>
                <td>
                  {entry.error_text ? <span className="reason">{entry.error_text}</span> : null}
                  {entry.msg_id ? (
                    <Link to={paths.message(source.appId, entry.msg_id)} className="mono">
                      {entry.msg_id}
                    </Link>
                  ) : null}
                </td>
                <td className="mono">{entry.client_ip ?? "—"}</td>
                <td>
                  {entry.msg_id && entry.outcome === "accepted" ? (
                    <button
                      type="button"
                      disabled={replay.isPending}
                      onClick={() => replay.mutate(entry.id)}
                      aria-label={`Replay ${entry.msg_id}`}
                    >
                      Replay
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : log.data ? (
        <p className="muted">Nothing received yet.</p>
      ) : null}
      {log.data ? <Pager page={log.data} iterator={iterator} onChange={setIterator} /> : null}
    </Section>
  );
}

function Destinations({ source }: { source: IngestSource }) {
  const id = useId();
  const [url, setUrl] = useState("");
  const client = useQueryClient();
  const destinations = useQuery({
    queryKey: ["endpoints", source.appId],
    queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(source.appId)}/endpoint?limit=250`),
  });
  const add = useMutation({
    mutationFn: () => ingestApi<Endpoint>("POST", `/source/${enc(source.id)}/endpoint`, { url }),
    onSuccess: () => {
      setUrl("");
      void client.invalidateQueries({ queryKey: ["endpoints", source.appId] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <Section title="Destinations">
      <ErrorNote error={destinations.error} />
      {destinations.data?.data.length ? (
        <ul className="plain">
          {destinations.data.data.map((ep) => (
            <li key={ep.id}>
              <Link to={paths.endpoint(source.appId, ep.id)}>{ep.url}</Link>{" "}
              <EndpointStateBadge disabled={ep.disabled} />
            </li>
          ))}
        </ul>
      ) : destinations.data ? (
        <p className="muted">No destination yet: accepted events wait for one.</p>
      ) : null}
      <form className="grid-form" onSubmit={submit} aria-label="Add a destination">
        <label htmlFor={`${id}-url`}>Destination URL</label>
        <input
          id={`${id}-url`}
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://example.com/github"
        />
        <div />
        <button type="submit" disabled={add.isPending}>
          Add destination
        </button>
      </form>
      <ErrorNote error={add.error} />
    </Section>
  );
}

function EditSource({ source }: { source: IngestSource }) {
  const id = useId();
  const form = formOf(source.type);
  const shownValues = () =>
    Object.fromEntries(
      (form?.fields ?? [])
        .filter((f) => !f.secret && source.config[f.name] !== undefined && source.config[f.name] !== null)
        .map((f) => [f.name, String(source.config[f.name])]),
    );
  const [name, setName] = useState(source.name);
  const [values, setValues] = useState<Record<string, string>>(shownValues);
  const [saved, setSaved] = useState(false);
  const client = useQueryClient();
  const configChanged = JSON.stringify(values) !== JSON.stringify(shownValues());
  const save = useMutation({
    // The API replaces the config whole: it is sent only when a setting changed, secrets included.
    mutationFn: () =>
      ingestApi<IngestSource>("PATCH", `/source/${enc(source.id)}`, {
        name,
        ...(configChanged && form ? { config: configFrom(form, values) } : {}),
      }),
    onSuccess: (updated) => {
      setSaved(true);
      client.setQueryData(["source", source.id], updated);
      void client.invalidateQueries({ queryKey: ["sources"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    save.mutate();
  };
  return (
    <Section title="Settings">
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required minLength={2} value={name} onChange={(e) => setName(e.target.value)} />
        {form ? (
          <>
            <p className="span muted note">
              Verifies: {form.verifies} Changing a setting sends the whole configuration again: type the secrets too.
            </p>
            <SourceConfigFields
              form={form}
              values={values}
              stored={source.config}
              onChange={(field, value) => setValues((v) => ({ ...v, [field]: value }))}
            />
          </>
        ) : null}
        <div />
        <button type="submit" className="primary" disabled={save.isPending}>
          Save source
        </button>
      </form>
      {saved ? (
        <p role="status" className="ok-text">
          Saved.
        </p>
      ) : null}
      <ErrorNote error={save.error} />
    </Section>
  );
}
