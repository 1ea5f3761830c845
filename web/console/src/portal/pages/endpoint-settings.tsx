import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, type Endpoint } from "../../api.ts";
import { ConfirmButton, ErrorNote, Section } from "../../components/ui.tsx";
import { portalPaths } from "../paths.ts";
import { useCan } from "../session.ts";
import { EndpointHeaders } from "./endpoint-headers.tsx";
import { EndpointTransformation } from "./endpoint-transformation.tsx";
import { EventTypePicker } from "./event-type-picker.tsx";

/**
 * The endpoint's settings. Without ManageEndpoint (or in a read-only session) they are shown but
 * cannot be changed; the transformation needs ManageTransformations.
 */
export function EndpointSettings({
  appId,
  base,
  endpoint,
}: {
  appId: string;
  base: string;
  endpoint: Endpoint & { filter?: string | null };
}) {
  const can = useCan();
  const manage = can("ManageEndpoint");
  const [url, setUrl] = useState(endpoint.url);
  const [description, setDescription] = useState(endpoint.description);
  const [types, setTypes] = useState<string[]>(endpoint.filterTypes ?? []);
  const [rateLimit, setRateLimit] = useState(endpoint.rateLimit?.toString() ?? "");
  const [filter, setFilter] = useState(endpoint.filter ?? "");
  const [saved, setSaved] = useState(false);
  const client = useQueryClient();
  const navigate = useNavigate();
  useEffect(() => setSaved(false), [url, description, types, rateLimit, filter]);
  const refresh = (ep: Endpoint) => {
    client.setQueryData(["endpoint", appId, endpoint.id], ep);
    void client.invalidateQueries({ queryKey: ["endpoints", appId] });
  };
  const save = useMutation({
    mutationFn: () =>
      api<Endpoint>("PATCH", base, {
        url,
        description,
        filterTypes: types.length ? types : null,
        rateLimit: rateLimit === "" ? null : Number(rateLimit),
        filter: filter.trim() === "" ? null : filter,
      }),
    onSuccess: (ep) => {
      refresh(ep);
      setSaved(true);
    },
  });
  const toggle = useMutation({
    mutationFn: () => api<Endpoint>("PATCH", base, { disabled: !endpoint.disabled }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api("DELETE", base),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["endpoints", appId] });
      void navigate(portalPaths.endpoints, { replace: true });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <>
      <Section title="Settings">
        <form onSubmit={submit}>
          <fieldset className="plain-fieldset" disabled={!manage}>
            <legend className="visually-hidden">Endpoint settings</legend>
            <div className="grid-form">
              <label htmlFor="ep-url">URL</label>
              <input id="ep-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
              <label htmlFor="ep-description">Description</label>
              <input id="ep-description" value={description} onChange={(e) => setDescription(e.target.value)} />
              <label htmlFor="ep-rate">Rate limit (per second, empty for none)</label>
              <input
                id="ep-rate"
                type="number"
                min={1}
                value={rateLimit}
                onChange={(e) => setRateLimit(e.target.value)}
              />
              <label htmlFor="ep-filter">Payload filter (JSONata, empty for none)</label>
              <textarea
                id="ep-filter"
                rows={2}
                placeholder="payload.amount > 100"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
              />
            </div>
            <EventTypePicker chosen={types} onChange={setTypes} />
            {manage ? (
              <div>
                <button type="submit" className="primary" disabled={save.isPending}>
                  Save settings
                </button>{" "}
                {saved ? (
                  <span role="status" className="ok-text">
                    Saved.
                  </span>
                ) : null}
              </div>
            ) : null}
          </fieldset>
        </form>
        <ErrorNote error={save.error} />
      </Section>
      <EndpointHeaders base={base} />
      <EndpointTransformation base={base} />
      <Section title="State">
        <p>
          {endpoint.disabled
            ? "Disabled: nothing is delivered to it until it is enabled again."
            : "Enabled: messages are delivered to it."}
        </p>
        {manage ? (
          <>
            <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
              {endpoint.disabled ? "Enable endpoint" : "Disable endpoint"}
            </button>{" "}
            <ConfirmButton
              label="Delete endpoint"
              confirmLabel="Really delete this endpoint"
              danger
              onConfirm={() => remove.mutate()}
            />
          </>
        ) : null}
        <ErrorNote error={toggle.error ?? remove.error} />
      </Section>
    </>
  );
}
