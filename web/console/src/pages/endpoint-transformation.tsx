import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, enc, type Message, type Page } from "../api.ts";
import { CodeEditor } from "../components/code-editor.tsx";
import { CopyAs } from "../components/copy-as.tsx";
import { FieldMapper } from "../components/field-mapper.tsx";
import { Code, ErrorNote, Section } from "../components/ui.tsx";

type Language = "jsonata" | "javascript";
interface Transformation {
  code: string | null;
  language: Language;
  enabled: boolean;
  variables: Record<string, string> | null;
}
interface Simulated {
  payload: string;
  url: string;
  method: string;
  cancel: boolean;
}
interface CatalogType {
  name: string;
  schemas: Record<string, { examples?: unknown[] } | null> | null;
}
interface Sample {
  eventType: string;
  payload: Record<string, unknown>;
}

/** What a new transformation starts from in each language: the payload unchanged. */
const STARTERS: Record<Language, string> = {
  jsonata: "payload",
  javascript:
    "function handler(webhook) {\n  // webhook.payload, webhook.eventType, webhook.url, webhook.method\n  return webhook;\n}",
};

/** Waits this long after the last keystroke before asking for a preview (one sandbox run per pause, not per key). */
const PREVIEW_DELAY_MS = 400;

/** The latest schema version's first example of an event type, if it has one. */
function exampleOf(type: CatalogType): Record<string, unknown> | null {
  const versions = Object.keys(type.schemas ?? {}).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const example = type.schemas?.[v]?.examples?.[0];
    if (example && typeof example === "object" && !Array.isArray(example)) return example as Record<string, unknown>;
  }
  return null;
}

/**
 * The endpoint's transformation: an editor (JSONata or JavaScript) with a live preview of what
 * would be sent for a sample payload (a recent message of the application, or an event type's
 * example), the no-code field mapper that writes JSONata, and enable/save.
 */
export function EndpointTransformation({ appId, base }: { appId: string; base: string }) {
  const client = useQueryClient();
  const stored = useQuery({
    queryKey: ["transformation", base],
    queryFn: () => api<Transformation>("GET", `${base}/transformation`),
  });
  const messages = useQuery({
    queryKey: ["recent-messages", appId],
    queryFn: () => api<Page<Message>>("GET", `/app/${enc(appId)}/msg?limit=20`),
  });
  const catalog = useQuery({
    queryKey: ["event-types", "with-content"],
    queryFn: () => api<Page<CatalogType>>("GET", "/event-type?limit=250&with_content=true"),
  });
  const examples = (catalog.data?.data ?? []).flatMap((t) => {
    const payload = exampleOf(t);
    return payload ? [{ eventType: t.name, payload }] : [];
  });

  const [code, setCode] = useState("");
  const [language, setLanguage] = useState<Language>("jsonata");
  const [enabled, setEnabled] = useState(false);
  const [source, setSource] = useState("");
  const [sampleText, setSampleText] = useState("");
  const [eventType, setEventType] = useState("");
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!stored.data) return;
    setLanguage(stored.data.language);
    setCode(stored.data.code ?? STARTERS[stored.data.language]);
    setEnabled(stored.data.enabled);
  }, [stored.data]);

  const choose = (value: string) => {
    setSource(value);
    const [kind, key] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
    const sample: Sample | undefined =
      kind === "msg"
        ? messages.data?.data.find((m) => m.id === key)
        : kind === "example"
          ? examples.find((e) => e.eventType === key)
          : undefined;
    if (!sample) return;
    setEventType(sample.eventType);
    setSampleText(JSON.stringify(sample.payload, null, 2));
  };
  // The newest message is the sample until the user picks another (or the first example if there is none).
  useEffect(() => {
    if (source || !messages.data || !catalog.data) return;
    const first = messages.data.data[0];
    if (first) choose(`msg:${first.id}`);
    else if (examples[0]) choose(`example:${examples[0].eventType}`);
  }, [messages.data, catalog.data]); // first load only

  let sample: Record<string, unknown> | null = null;
  let sampleProblem: string | null = null;
  try {
    const parsed: unknown = sampleText.trim() ? JSON.parse(sampleText) : null;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) sample = parsed as Record<string, unknown>;
    else if (parsed !== null) sampleProblem = "The sample payload must be a JSON object.";
  } catch (e) {
    sampleProblem = `The sample payload is not JSON: ${(e as Error).message}`;
  }

  // The preview follows the editor after a pause in typing.
  const request = sample && code.trim() && eventType ? { code, language, eventType, payload: sample } : null;
  const requestKey = JSON.stringify(request);
  const [settled, setSettled] = useState<string>("null");
  useEffect(() => {
    const timer = setTimeout(() => setSettled(requestKey), PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [requestKey]);
  const preview = useQuery({
    queryKey: ["simulate", base, settled],
    enabled: settled !== "null",
    queryFn: () => api<Simulated>("POST", `${base}/transformation/simulate`, JSON.parse(settled)),
    staleTime: Infinity,
  });

  const body = { code: code.trim() ? code : null, language, enabled };
  useEffect(() => setSaved(false), [code, language, enabled]);
  const save = useMutation({
    mutationFn: () => api("PATCH", `${base}/transformation`, body),
    onSuccess: () => {
      setSaved(true);
      void client.invalidateQueries({ queryKey: ["transformation", base] });
    },
  });
  const switchLanguage = (next: Language) => {
    // A starter is replaced; anything the user wrote stays (and the preview says if it no longer parses).
    if (code.trim() === "" || code === STARTERS[language]) setCode(STARTERS[next]);
    setLanguage(next);
  };

  return (
    <>
      <Section title="Transformation">
        <p>
          Rewrites what is sent to this endpoint. JSONata reads <code>eventType</code>, <code>payload</code>,{" "}
          <code>channels</code> and <code>msgId</code>, and its result is the body sent and signed; JavaScript defines{" "}
          <code>handler(webhook)</code>, which may also change the method or URL, or cancel the delivery.
        </p>
        <fieldset className="segmented">
          <legend>Language</legend>
          {(
            [
              ["jsonata", "JSONata"],
              ["javascript", "JavaScript"],
            ] as const
          ).map(([value, text]) => (
            <label key={value} className={language === value ? "on" : ""}>
              <input
                type="radio"
                name="transformation-language"
                checked={language === value}
                onChange={() => switchLanguage(value)}
              />
              {text}
            </label>
          ))}
        </fieldset>
        <div className="split">
          <div>
            <h3>Code</h3>
            <CodeEditor value={code} onChange={setCode} language={language} label="Code" />
            <p id="transformation-code-help" className="muted">
              Tab indents; press Escape, then Tab, to move on.
            </p>
          </div>
          <div>
            <h3 id="preview-heading">Preview</h3>
            <div aria-labelledby="preview-heading" aria-live="polite" data-testid="preview">
              {sampleProblem ? <p className="error">{sampleProblem}</p> : null}
              {!request && !sampleProblem ? <p className="muted">Choose a sample and write some code.</p> : null}
              <ErrorNote error={preview.error} />
              {preview.data && !preview.error ? (
                preview.data.cancel ? (
                  <p>The delivery would be canceled (nothing sent).</p>
                ) : (
                  <>
                    <p className="muted">
                      {preview.data.method} <span className="break">{preview.data.url}</span>
                    </p>
                    <Code value={preview.data.payload} label="Transformed payload" />
                  </>
                )
              ) : null}
              {preview.isFetching ? <p className="muted">Running…</p> : null}
            </div>
          </div>
        </div>
        <p>
          <label>
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled:
            transform every delivery to this endpoint
          </label>
        </p>
        <button type="button" className="primary" onClick={() => save.mutate()} disabled={save.isPending}>
          Save transformation
        </button>{" "}
        {saved ? (
          <span role="status" className="ok-text">
            Transformation saved{enabled ? " and enabled" : " (disabled)"}.
          </span>
        ) : null}
        <ErrorNote error={stored.error ?? save.error} />
        <CopyAs label="save the transformation" call={{ method: "PATCH", path: `${base}/transformation`, body }} />
      </Section>
      <Section title="Sample payload">
        <div className="grid-form">
          <label htmlFor="sample-source">Sample</label>
          <select id="sample-source" value={source} onChange={(e) => choose(e.target.value)}>
            <option value="">Choose…</option>
            {messages.data?.data.length ? (
              <optgroup label="Recent messages">
                {messages.data.data.map((m) => (
                  <option key={m.id} value={`msg:${m.id}`}>
                    {m.eventType} · {m.id}
                  </option>
                ))}
              </optgroup>
            ) : null}
            {examples.length ? (
              <optgroup label="Event type examples">
                {examples.map((e) => (
                  <option key={e.eventType} value={`example:${e.eventType}`}>
                    {e.eventType} (example)
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
          <label htmlFor="sample-type">Event type</label>
          <input id="sample-type" value={eventType} onChange={(e) => setEventType(e.target.value)} />
          <label htmlFor="sample-payload">Payload (JSON; edit it to try other values)</label>
          <textarea
            id="sample-payload"
            className="editor"
            rows={8}
            spellCheck={false}
            value={sampleText}
            onChange={(e) => setSampleText(e.target.value)}
          />
        </div>
        <ErrorNote error={messages.error ?? catalog.error} />
      </Section>
      <Section title="Field mapper">
        <p className="muted">
          Keep, drop and rename the sample's fields without writing code: the mapper writes the JSONata for you.
        </p>
        {sample ? (
          <FieldMapper
            sample={sample}
            onWrite={(expression) => {
              setLanguage("jsonata");
              setCode(expression);
            }}
          />
        ) : (
          <p className="muted">Choose a sample payload first.</p>
        )}
      </Section>
    </>
  );
}
