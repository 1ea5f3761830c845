import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../api.ts";
import { CopyAs } from "../components/copy-as.tsx";
import { ErrorNote, Section } from "../components/ui.tsx";

interface HeadersOut {
  headers: Record<string, string>;
  sensitive: string[];
}
interface Row {
  name: string;
  value: string;
  /** The API never returns a sensitive header's value: the row keeps it unless a new one is typed. */
  sensitive: boolean;
}

/**
 * The endpoint's custom headers (the `…/headers` sub-resource), sent with every delivery. Saved
 * with a PATCH of what changed, so a sensitive header whose value the API hides keeps it.
 */
export function EndpointHeaders({ base }: { base: string }) {
  const client = useQueryClient();
  const stored = useQuery({
    queryKey: ["endpoint-headers", base],
    queryFn: () => api<HeadersOut>("GET", `${base}/headers`),
  });
  const [rows, setRows] = useState<Row[]>([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!stored.data) return;
    setRows([
      ...Object.entries(stored.data.headers).map(([name, value]) => ({ name, value, sensitive: false })),
      ...stored.data.sensitive.map((name) => ({ name, value: "", sensitive: true })),
    ]);
  }, [stored.data]);

  const before = new Set([...Object.keys(stored.data?.headers ?? {}), ...(stored.data?.sensitive ?? [])]);
  const named = rows.filter((r) => r.name.trim() !== "");
  const headers: Record<string, string> = {};
  for (const r of named) if (!(r.sensitive && r.value === "")) headers[r.name.trim()] = r.value;
  const deleteHeaders = [...before].filter((name) => !named.some((r) => r.name.trim() === name));
  const body = { headers, deleteHeaders };

  const save = useMutation({
    mutationFn: () => api("PATCH", `${base}/headers`, body),
    onSuccess: () => {
      setSaved(true);
      void client.invalidateQueries({ queryKey: ["endpoint-headers", base] });
    },
  });
  const edit = (i: number, change: Partial<Row>) => {
    setSaved(false);
    setRows((now) => now.map((r, j) => (j === i ? { ...r, ...change } : r)));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Section title="Custom headers">
      <p className="muted">
        Sent with every delivery to this endpoint. Values of credentials (authorization, tokens, keys) are never shown
        again once saved: leave such a value empty to keep it.
      </p>
      <form onSubmit={submit}>
        <table className="headers-table">
          <thead>
            <tr>
              <th scope="col">Header</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>
                  <input
                    aria-label={`Header ${i + 1} name`}
                    value={r.name}
                    readOnly={r.sensitive}
                    onChange={(e) => edit(i, { name: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Header ${i + 1} value`}
                    value={r.value}
                    placeholder={r.sensitive ? "(hidden; type to replace)" : ""}
                    onChange={(e) => edit(i, { value: e.target.value })}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() => {
                      setSaved(false);
                      setRows((now) => now.filter((_, j) => j !== i));
                    }}
                  >
                    Remove {r.name || `header ${i + 1}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <button type="button" onClick={() => setRows((now) => [...now, { name: "", value: "", sensitive: false }])}>
            Add header
          </button>{" "}
          <button type="submit" className="primary" disabled={save.isPending || !stored.data}>
            Save headers
          </button>{" "}
          {saved ? (
            <span role="status" className="ok-text">
              Headers saved.
            </span>
          ) : null}
        </p>
      </form>
      <ErrorNote error={stored.error ?? save.error} />
      <CopyAs label="save headers" call={{ method: "PATCH", path: `${base}/headers`, body }} />
    </Section>
  );
}
