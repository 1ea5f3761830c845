import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api.ts";
import { ErrorNote, Loading, Section } from "../../components/ui.tsx";
import { useCan } from "../session.ts";

interface Headers {
  headers: Record<string, string>;
  sensitive: string[];
}

/** Custom headers sent with every delivery, one `Name: value` a line (sensitive ones are not shown back). */
export function EndpointHeaders({ base }: { base: string }) {
  const can = useCan();
  const client = useQueryClient();
  const headers = useQuery({
    queryKey: ["portal-headers", base],
    queryFn: () => api<Headers>("GET", `${base}/headers`),
  });
  const [text, setText] = useState("");
  useEffect(() => {
    if (headers.data)
      setText(
        Object.entries(headers.data.headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join("\n"),
      );
  }, [headers.data]);
  const save = useMutation({
    mutationFn: () => {
      const parsed: Record<string, string> = {};
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        const at = line.indexOf(":");
        if (at < 1) throw new Error(`"${line}" is not "Name: value"`);
        parsed[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      return api("PUT", `${base}/headers`, { headers: parsed });
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: ["portal-headers", base] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Section title="Custom headers">
      <ErrorNote error={headers.error} />
      {headers.isPending ? <Loading what="headers" /> : null}
      {headers.data ? (
        <form onSubmit={submit}>
          <label htmlFor="ep-headers">
            Sent with every delivery, one <code>Name: value</code> a line
          </label>
          <textarea
            id="ep-headers"
            rows={3}
            readOnly={!can("ManageEndpoint")}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          {headers.data.sensitive.length ? (
            <p className="muted">Also set, not shown: {headers.data.sensitive.join(", ")}.</p>
          ) : null}
          {can("ManageEndpoint") ? (
            <button type="submit" disabled={save.isPending}>
              Save headers
            </button>
          ) : null}
          {save.isSuccess ? (
            <span role="status" className="ok-text">
              {" "}
              Saved.
            </span>
          ) : null}
        </form>
      ) : null}
      <ErrorNote error={save.error} />
    </Section>
  );
}
