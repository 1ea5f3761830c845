import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, type Application, type Page } from "../api.ts";
import { ErrorNote, Loading, Section, Time } from "../components/ui.tsx";
import { paths } from "../paths.ts";

/** Applications: a list searched by name, uid or id, and a form to create one. */
export function Applications() {
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const apps = useQuery({ queryKey: ["apps", "all"], queryFn: () => api<Page<Application>>("GET", "/app?limit=250") });
  const needle = search.trim().toLowerCase();
  const shown = (apps.data?.data ?? []).filter(
    (a) => !needle || [a.name, a.uid ?? "", a.id].some((s) => s.toLowerCase().includes(needle)),
  );

  return (
    <>
      <h1>Applications</h1>
      <Section
        title="All applications"
        actions={
          <label className="inline">
            <span className="visually-hidden">Search applications</span>
            <input
              type="search"
              placeholder="Search by name, uid or id"
              value={search}
              onChange={(e) => setParams(e.target.value ? { q: e.target.value } : {}, { replace: true })}
            />
          </label>
        }
      >
        <ErrorNote error={apps.error} />
        {apps.isPending ? <Loading what="applications" /> : null}
        {apps.data ? (
          shown.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">uid</th>
                  <th scope="col">id</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link to={paths.app(a.id)}>{a.name}</Link>
                    </td>
                    <td>{a.uid ?? <span className="muted">—</span>}</td>
                    <td className="mono">{a.id}</td>
                    <td>
                      <Time iso={a.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">{needle ? "No application matches." : "No applications yet: create one below."}</p>
          )
        ) : null}
        {apps.data && !apps.data.done ? (
          <p className="muted">Showing the first 250 applications; search narrows them.</p>
        ) : null}
      </Section>
      <CreateApplication />
    </>
  );
}

function CreateApplication() {
  const [name, setName] = useState("");
  const [uid, setUid] = useState("");
  const client = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => api<Application>("POST", "/app", { name, ...(uid ? { uid } : {}) }),
    onSuccess: (app) => {
      void client.invalidateQueries({ queryKey: ["apps"] });
      void navigate(paths.app(app.id));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Section title="Create an application">
      <form className="grid-form" onSubmit={submit}>
        <label htmlFor="app-name">Name</label>
        <input id="app-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="app-uid">uid (optional)</label>
        <input id="app-uid" value={uid} onChange={(e) => setUid(e.target.value)} placeholder="acme" />
        <div />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create application
        </button>
      </form>
      <ErrorNote error={create.error} />
    </Section>
  );
}
