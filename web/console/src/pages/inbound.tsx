import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { ingestApi, type IngestSource, type Page } from "../api.ts";
import { SourceConfigFields } from "../components/source-config-fields.tsx";
import { configFrom, formOf, SOURCE_TYPE_FORMS } from "../components/source-types.ts";
import { ErrorNote, Loading, Section, Time } from "../components/ui.tsx";
import { paths } from "../paths.ts";
import "../operations.css";

/** Inbound sources: where providers' webhooks arrive, and a form per provider to create one. */
export function Inbound() {
  const sources = useQuery({
    queryKey: ["sources"],
    queryFn: () => ingestApi<Page<IngestSource>>("GET", "/source?limit=250"),
  });
  return (
    <>
      <h1>Inbound</h1>
      <p className="muted">
        Webhooks from providers (GitHub, Stripe, Shopify, …) arrive at a source&apos;s ingest URL, are verified, and are
        forwarded to its destinations.
      </p>
      <Section title="Sources">
        <ErrorNote error={sources.error} />
        {sources.isPending ? <Loading what="sources" /> : null}
        {sources.data?.data.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">id</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {sources.data.data.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={paths.source(s.id)}>{s.name}</Link>
                  </td>
                  <td>{formOf(s.type)?.label ?? s.type}</td>
                  <td className="mono">{s.id}</td>
                  <td>
                    <Time iso={s.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : sources.data ? (
          <p className="muted">No sources yet: create one below.</p>
        ) : null}
      </Section>
      <CreateSource />
    </>
  );
}

function CreateSource() {
  const id = useId();
  const [name, setName] = useState("");
  const [type, setType] = useState("github");
  const [values, setValues] = useState<Record<string, string>>({});
  const form = formOf(type)!;
  const client = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => ingestApi<IngestSource>("POST", "/source", { name, type, config: configFrom(form, values) }),
    onSuccess: (s) => {
      void client.invalidateQueries({ queryKey: ["sources"] });
      void navigate(paths.source(s.id));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Section title="Create a source">
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required minLength={2} value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor={`${id}-type`}>Provider</label>
        <select
          id={`${id}-type`}
          value={type}
          onChange={(e) => {
            setType(e.target.value);
            setValues({});
          }}
        >
          {SOURCE_TYPE_FORMS.map((f) => (
            <option key={f.type} value={f.type}>
              {f.label}
            </option>
          ))}
        </select>
        <p className="span muted note">Verifies: {form.verifies}</p>
        <SourceConfigFields
          form={form}
          values={values}
          onChange={(field, value) => setValues((v) => ({ ...v, [field]: value }))}
        />
        <div />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create source
        </button>
      </form>
      <ErrorNote error={create.error} />
    </Section>
  );
}
