import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, type Endpoint, type Page } from "../api.ts";
import { EndpointState, SaveSettings, useEndpointChanges } from "../components/endpoint-changes.tsx";
import { ErrorNote, Section, splitList } from "../components/ui.tsx";
import { CopyAs } from "../components/copy-as.tsx";
import { EndpointHeaders } from "./endpoint-headers.tsx";
import { paths } from "../paths.ts";

/** The endpoint fields the settings form edits beyond the ones every page reads (src/api/representations.ts). */
export type EndpointSettingsFields = Endpoint & { filter: string | null; cloudEventsHandshake: boolean };

const FORMATS = [
  ["standard", "Standard Webhooks (JSON body, webhook-* headers)"],
  ["cloudevents-binary", "CloudEvents, binary mode (ce-* headers, the payload as the body)"],
  ["cloudevents-structured", "CloudEvents, structured mode (the whole event as the body)"],
] as const;

interface CatalogType {
  name: string;
  description: string;
  archived?: boolean;
}

/** Every setting of the endpoint the API has: one form saved with one PATCH, then headers, state and deletion. */
export function EndpointSettings({ appId, base, endpoint }: { appId: string; base: string; endpoint: Endpoint }) {
  const ep = endpoint as EndpointSettingsFields;
  const catalog = useQuery({
    queryKey: ["event-types", false],
    queryFn: () => api<Page<CatalogType>>("GET", "/event-type?limit=250&with_content=false"),
  });
  const names = new Set(catalog.data?.data.map((t) => t.name));
  const [url, setUrl] = useState(ep.url);
  const [description, setDescription] = useState(ep.description);
  const [chosen, setChosen] = useState<string[]>(ep.filterTypes ?? []);
  const [patterns, setPatterns] = useState("");
  const [channels, setChannels] = useState(ep.channels?.join(", ") ?? "");
  const [filter, setFilter] = useState(ep.filter ?? "");
  const [rateLimit, setRateLimit] = useState(ep.rateLimit?.toString() ?? "");
  const [ordered, setOrdered] = useState(ep.ordered);
  const [format, setFormat] = useState(ep.format);
  const [handshake, setHandshake] = useState(ep.cloudEventsHandshake);
  const [version, setVersion] = useState(String(ep.version));

  // Types the catalog does not list (wildcards such as `invoice.*`) are kept in their own field.
  // Keyed by content: a refreshed endpoint (after enabling it, say) with the same types keeps unsaved ticks.
  const storedTypes = JSON.stringify(ep.filterTypes ?? []);
  useEffect(() => {
    if (!catalog.data) return;
    const known = new Set(catalog.data.data.map((t) => t.name));
    const stored = JSON.parse(storedTypes) as string[];
    setPatterns(stored.filter((t) => !known.has(t)).join(", "));
    setChosen(stored.filter((t) => known.has(t)));
  }, [catalog.data, storedTypes]);
  const types = [...chosen, ...(splitList(patterns) ?? []).filter((t) => !chosen.includes(t))];
  const body = {
    url,
    description,
    // Svix's v2 names (v1's filterTypes and rateLimit mean the same), which its SDK sends too.
    eventTypes: types.length ? types : null,
    channels: splitList(channels),
    filter: filter.trim() === "" ? null : filter,
    throttleRate: rateLimit === "" ? null : Number(rateLimit),
    ordered,
    format,
    cloudEventsHandshake: format === "standard" ? false : handshake,
    version: Number(version),
  };
  const changes = useEndpointChanges(appId, endpoint, base, { body, afterDelete: paths.app(appId) });
  const toggleType = (name: string, on: boolean) =>
    setChosen((now) => (on ? [...now, name] : now.filter((t) => t !== name)));

  return (
    <>
      <Section title="Settings">
        <form className="grid-form" onSubmit={changes.submit}>
          <label htmlFor="ep-url">URL</label>
          <input id="ep-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
          <label htmlFor="ep-description">Description</label>
          <input id="ep-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          <span id="ep-types-label">Event types (none ticked and no pattern: every type)</span>
          <fieldset className="type-choices" aria-labelledby="ep-types-label">
            {catalog.data?.data.length === 0 ? <p className="muted">The catalog is empty.</p> : null}
            {catalog.data?.data.map((t) => (
              <label key={t.name}>
                <input
                  type="checkbox"
                  checked={chosen.includes(t.name)}
                  onChange={(e) => toggleType(t.name, e.target.checked)}
                />{" "}
                <span className="mono">{t.name}</span>
                {t.description ? <span className="muted">{t.description}</span> : null}
              </label>
            ))}
          </fieldset>
          <label htmlFor="ep-patterns">Other types or patterns (comma-separated, such as invoice.*)</label>
          <input
            id="ep-patterns"
            value={patterns}
            placeholder={names.size ? "" : "invoice.paid, invoice.*"}
            onChange={(e) => setPatterns(e.target.value)}
          />
          <label htmlFor="ep-channels">Channels (comma-separated, empty for all)</label>
          <input id="ep-channels" value={channels} onChange={(e) => setChannels(e.target.value)} />
          <label htmlFor="ep-filter">
            Payload filter (JSONata over eventType, payload, channels, msgId; delivered when true; empty for none)
          </label>
          <textarea
            id="ep-filter"
            className="editor short"
            rows={3}
            spellCheck={false}
            value={filter}
            placeholder='payload.amount > 1000 and payload.currency = "eur"'
            onChange={(e) => setFilter(e.target.value)}
          />
          <label htmlFor="ep-rate">Rate limit (per second, empty for none)</label>
          <input id="ep-rate" type="number" min={1} value={rateLimit} onChange={(e) => setRateLimit(e.target.value)} />
          <label htmlFor="ep-format">Format</label>
          <select id="ep-format" value={format} onChange={(e) => setFormat(e.target.value)}>
            {FORMATS.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
          {format !== "standard" ? (
            <>
              <span />
              <label>
                <input type="checkbox" checked={handshake} onChange={(e) => setHandshake(e.target.checked)} /> Perform
                the CloudEvents validation handshake before the first delivery
              </label>
            </>
          ) : null}
          <span />
          <label>
            <input type="checkbox" checked={ordered} onChange={(e) => setOrdered(e.target.checked)} /> Ordered: deliver
            strictly in message order (a failing message holds back the later ones)
          </label>
          <label htmlFor="ep-version">Version</label>
          <input
            id="ep-version"
            type="number"
            min={1}
            required
            value={version}
            onChange={(e) => setVersion(e.target.value)}
          />
          <div />
          <SaveSettings changes={changes} />
        </form>
        <ErrorNote error={changes.save.error ?? catalog.error} />
        <CopyAs label="save settings" call={{ method: "PATCH", path: base, body }} />
      </Section>
      <EndpointHeaders base={base} />
      <EndpointState
        endpoint={endpoint}
        changes={changes}
        manage
        disabledNote="Disabled: no message is delivered to it until it is enabled again."
      />
    </>
  );
}
