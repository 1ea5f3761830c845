import { useState } from "react";
import type { Endpoint } from "../../api.ts";
import { EndpointState, SaveSettings, useEndpointChanges } from "../../components/endpoint-changes.tsx";
import { ErrorNote, Section } from "../../components/ui.tsx";
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
  const changes = useEndpointChanges(appId, endpoint, base, {
    body: {
      url,
      description,
      filterTypes: types.length ? types : null,
      rateLimit: rateLimit === "" ? null : Number(rateLimit),
      filter: filter.trim() === "" ? null : filter,
    },
    afterDelete: portalPaths.endpoints,
  });
  return (
    <>
      <Section title="Settings">
        <form onSubmit={changes.submit}>
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
            {manage ? <SaveSettings changes={changes} /> : null}
          </fieldset>
        </form>
        <ErrorNote error={changes.save.error} />
      </Section>
      <EndpointHeaders base={base} />
      <EndpointTransformation base={base} />
      <EndpointState
        endpoint={endpoint}
        changes={changes}
        manage={manage}
        disabledNote="Disabled: nothing is delivered to it until it is enabled again."
      />
    </>
  );
}
