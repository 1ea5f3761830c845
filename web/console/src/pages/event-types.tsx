import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { api, enc, type Page } from "../api.ts";
import { ErrorNote, Loading, Section, Time } from "../components/ui.tsx";

interface EventType {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
  updatedAt: string;
}

const parseJson = (text: string): { value?: unknown; error?: string } => {
  if (text.trim() === "") return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `the schema is not JSON: ${(e as Error).message}` };
  }
};

/** The event-type catalog: each type's description and JSON Schema per version, created, edited and archived here. */
export function EventTypes() {
  const [params, setParams] = useSearchParams();
  const showArchived = params.get("archived") === "1";
  const selected = params.get("type");
  const types = useQuery({
    queryKey: ["event-types", showArchived],
    queryFn: () => api<Page<EventType>>("GET", `/event-type?limit=250&include_archived=${showArchived}`),
  });
  const current = types.data?.data.find((t) => t.name === selected);
  return (
    <>
      <h1>Event types</h1>
      <Section
        title="Catalog"
        actions={
          <label className="inline">
            <input
              type="checkbox"
              checked={showArchived}
              onChange={(e) => setParams(e.target.checked ? { archived: "1" } : {}, { replace: true })}
            />
            Show archived
          </label>
        }
      >
        <ErrorNote error={types.error} />
        {types.isPending ? <Loading what="event types" /> : null}
        {types.data ? (
          types.data.data.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col">Schema versions</th>
                  <th scope="col">State</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {types.data.data.map((t) => (
                  <tr key={t.name}>
                    <td>
                      <button
                        type="button"
                        className="link"
                        aria-pressed={t.name === selected}
                        onClick={() => setParams({ ...(showArchived ? { archived: "1" } : {}), type: t.name })}
                      >
                        {t.name}
                      </button>
                    </td>
                    <td>{t.description}</td>
                    <td>{t.schemas ? Object.keys(t.schemas).join(", ") : <span className="muted">none</span>}</td>
                    <td>{t.archived ? "archived" : t.deprecated ? "deprecated" : "active"}</td>
                    <td>
                      <Time iso={t.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No event types yet: messages may use any name; a catalog documents them.</p>
          )
        ) : null}
      </Section>
      {current ? <EditEventType key={current.name + current.updatedAt} type={current} /> : null}
      <CreateEventType />
    </>
  );
}

function EditEventType({ type }: { type: EventType }) {
  const versions = Object.keys(type.schemas ?? {});
  const latest = versions.at(-1) ?? "1";
  const [description, setDescription] = useState(type.description);
  const [schema, setSchema] = useState(
    type.schemas?.[latest] === undefined ? "" : JSON.stringify(type.schemas[latest], null, 2),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: ["event-types"] });
  const save = useMutation({
    mutationFn: (body: unknown) => api("PATCH", `/event-type/${enc(type.name)}`, body),
    onSuccess: done,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseJson(schema);
    if (parsed.error) return setProblem(parsed.error);
    setProblem(null);
    save.mutate({
      description,
      schemas: parsed.value === undefined ? null : { ...(type.schemas ?? {}), [latest]: parsed.value },
    });
  };
  return (
    <Section title={`Edit ${type.name}`}>
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor="et-edit-description">Description</label>
        <input id="et-edit-description" value={description} onChange={(e) => setDescription(e.target.value)} />
        <label htmlFor="et-edit-schema">JSON Schema (version {latest})</label>
        <textarea id="et-edit-schema" rows={10} value={schema} onChange={(e) => setSchema(e.target.value)} />
        <div />
        <div>
          <button type="submit" className="primary" disabled={save.isPending}>
            Save event type
          </button>{" "}
          <button type="button" onClick={() => save.mutate({ archived: !type.archived })} disabled={save.isPending}>
            {type.archived ? "Unarchive" : "Archive"}
          </button>
        </div>
      </form>
      {problem ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
      {save.isSuccess ? (
        <p role="status" className="ok-text">
          Saved.
        </p>
      ) : null}
      <ErrorNote error={save.error} />
    </Section>
  );
}

function CreateEventType() {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [schema, setSchema] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const client = useQueryClient();
  const [, setParams] = useSearchParams();
  const create = useMutation({
    mutationFn: (body: unknown) => api<EventType>("POST", "/event-type", body),
    onSuccess: (t) => {
      setName("");
      setDescription("");
      setSchema("");
      void client.invalidateQueries({ queryKey: ["event-types"] });
      setParams({ type: t.name });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseJson(schema);
    if (parsed.error) return setProblem(parsed.error);
    setProblem(null);
    create.mutate({ name, description, ...(parsed.value === undefined ? {} : { schemas: { "1": parsed.value } }) });
  };
  return (
    <Section title="Create an event type">
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor="et-name">Name</label>
        <input
          id="et-name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="invoice.paid"
        />
        <label htmlFor="et-description">Description</label>
        <input id="et-description" required value={description} onChange={(e) => setDescription(e.target.value)} />
        <label htmlFor="et-schema">JSON Schema (optional)</label>
        <textarea
          id="et-schema"
          rows={6}
          value={schema}
          onChange={(e) => setSchema(e.target.value)}
          placeholder='{"type": "object", "properties": {"invoice": {"type": "string"}}}'
        />
        <div />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create event type
        </button>
      </form>
      {problem ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
      <ErrorNote error={create.error} />
    </Section>
  );
}
