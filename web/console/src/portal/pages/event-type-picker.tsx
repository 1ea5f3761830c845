import { Code, ErrorNote, Loading } from "../../components/ui.tsx";
import { latestSchema, useCatalog } from "../catalog.ts";

/**
 * Event types chosen from the catalog, each with its description and, on request, its schema and
 * example. None chosen means every event type, now and future.
 */
export function EventTypePicker({ chosen, onChange }: { chosen: string[]; onChange: (types: string[]) => void }) {
  const catalog = useCatalog();
  if (catalog.isError) return <ErrorNote error={catalog.error} />;
  if (!catalog.data) return <Loading what="the event types" />;
  const types = catalog.data.data;
  const toggle = (name: string, on: boolean) => onChange(on ? [...chosen, name] : chosen.filter((t) => t !== name));
  return (
    <fieldset className="type-picker">
      <legend>Event types</legend>
      <p className="muted">
        {chosen.length === 0
          ? "None chosen: the endpoint receives every event type."
          : `${chosen.length} chosen: the endpoint receives only these.`}
      </p>
      {types.length === 0 ? <p className="muted">No event types are published yet.</p> : null}
      <ul className="plain">
        {types.map((t) => {
          const latest = latestSchema(t);
          return (
            <li key={t.name}>
              <label>
                <input
                  type="checkbox"
                  checked={chosen.includes(t.name)}
                  onChange={(e) => toggle(t.name, e.target.checked)}
                />{" "}
                <span className="mono">{t.name}</span>
                {t.deprecated ? <span className="badge wait">deprecated</span> : null}
              </label>
              {t.description ? <span className="muted"> {t.description}</span> : null}
              {latest ? (
                <details>
                  <summary>Schema and example</summary>
                  {latest.example !== undefined ? (
                    <>
                      <h3>Example</h3>
                      <Code value={latest.example} label={`Example of ${t.name}`} />
                    </>
                  ) : null}
                  <h3>Schema</h3>
                  <Code value={latest.schema} label={`Schema of ${t.name}`} />
                </details>
              ) : null}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
