import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api, enc, type Endpoint } from "../../api.ts";
import { ErrorNote, Section } from "../../components/ui.tsx";
import { portalPaths } from "../paths.ts";
import { useSession } from "../session.ts";
import { EventTypePicker } from "./event-type-picker.tsx";

/** Adds an endpoint: its URL, a description and the event types it receives (none: all). */
export function NewEndpoint() {
  const { appId } = useSession();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [types, setTypes] = useState<string[]>([]);
  const client = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () =>
      api<Endpoint>("POST", `/app/${enc(appId)}/endpoint`, {
        url,
        description,
        filterTypes: types.length ? types : null,
      }),
    onSuccess: (ep) => {
      void client.invalidateQueries({ queryKey: ["endpoints", appId] });
      void navigate(portalPaths.endpoint(ep.id));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <>
      <p className="crumbs">
        <Link to={portalPaths.endpoints}>Endpoints</Link> /
      </p>
      <h1>Add an endpoint</h1>
      <Section title="Endpoint">
        <form onSubmit={submit}>
          <div className="grid-form">
            <label htmlFor="new-url">URL</label>
            <input
              id="new-url"
              type="url"
              required
              placeholder="https://example.com/webhooks"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
            <label htmlFor="new-description">Description</label>
            <input id="new-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          <EventTypePicker chosen={types} onChange={setTypes} />
          <button type="submit" className="primary" disabled={create.isPending}>
            Create endpoint
          </button>
        </form>
        <ErrorNote error={create.error} />
      </Section>
    </>
  );
}
