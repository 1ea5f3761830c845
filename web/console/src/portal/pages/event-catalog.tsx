import { Code, ErrorNote, Loading, Section } from "../../components/ui.tsx";
import { latestSchema, useCatalog } from "../catalog.ts";

/** The event types this session may subscribe to, with their schemas and examples. Read-only. */
export function EventCatalog() {
  const catalog = useCatalog();
  return (
    <>
      <h1>Event catalog</h1>
      <p>The events you can receive. Choose among them when you add an endpoint; none chosen means all of them.</p>
      <ErrorNote error={catalog.error} />
      {catalog.isPending ? <Loading what="the catalog" /> : null}
      {catalog.data?.data.length === 0 ? <p className="muted">No event types are published yet.</p> : null}
      {catalog.data?.data.map((t) => {
        const latest = latestSchema(t);
        return (
          <Section key={t.name} title={t.name}>
            {t.deprecated ? <p className="badge wait">deprecated</p> : null}
            <p>{t.description || <span className="muted">No description.</span>}</p>
            {latest ? (
              <div className="two-columns">
                <div>
                  <h3>Example</h3>
                  {latest.example !== undefined ? (
                    <Code value={latest.example} label={`Example of ${t.name}`} />
                  ) : (
                    <p className="muted">None.</p>
                  )}
                </div>
                <div>
                  <h3>Schema</h3>
                  <Code value={latest.schema} label={`Schema of ${t.name}`} />
                </div>
              </div>
            ) : (
              <p className="muted">No schema.</p>
            )}
          </Section>
        );
      })}
    </>
  );
}
