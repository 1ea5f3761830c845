import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api.ts";
import { Code, ErrorNote, Section } from "../../components/ui.tsx";
import { useCan } from "../session.ts";

interface Transformation {
  code: string | null;
  language: "jsonata" | "javascript";
  enabled: boolean;
}

/**
 * The endpoint's transformation: shown to every session, edited only with ManageTransformations
 * (docs/transformations.md has the languages).
 */
export function EndpointTransformation({ base }: { base: string }) {
  const can = useCan();
  const client = useQueryClient();
  const current = useQuery({
    queryKey: ["portal-transformation", base],
    queryFn: () => api<Transformation>("GET", `${base}/transformation`),
  });
  const [code, setCode] = useState("");
  const [language, setLanguage] = useState<Transformation["language"]>("jsonata");
  const [enabled, setEnabled] = useState(false);
  useEffect(() => {
    if (!current.data) return;
    setCode(current.data.code ?? "");
    setLanguage(current.data.language);
    setEnabled(current.data.enabled);
  }, [current.data]);
  const save = useMutation({
    mutationFn: () => api("PATCH", `${base}/transformation`, { code: code.trim() ? code : null, language, enabled }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["portal-transformation", base] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  if (!can("ManageTransformations"))
    return current.data?.code ? (
      <Section title="Transformation">
        <p>
          {current.data.enabled ? "Enabled" : "Disabled"} ({current.data.language}):
        </p>
        <Code value={current.data.code} label="Transformation" />
      </Section>
    ) : null;
  return (
    <Section title="Transformation">
      <p>Changes each payload before it is sent and signed.</p>
      <form onSubmit={submit}>
        <div className="grid-form">
          <label htmlFor="tf-language">Language</label>
          <select
            id="tf-language"
            value={language}
            onChange={(e) => setLanguage(e.target.value as Transformation["language"])}
          >
            <option value="jsonata">JSONata</option>
            <option value="javascript">JavaScript</option>
          </select>
          <label htmlFor="tf-code">Code</label>
          <textarea id="tf-code" rows={4} value={code} onChange={(e) => setCode(e.target.value)} />
          <div />
          <label className="inline">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
          </label>
        </div>
        <button type="submit" disabled={save.isPending}>
          Save transformation
        </button>
        {save.isSuccess ? (
          <span role="status" className="ok-text">
            {" "}
            Saved.
          </span>
        ) : null}
      </form>
      <ErrorNote error={current.error ?? save.error} />
    </Section>
  );
}
