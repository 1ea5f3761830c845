import { useQuery } from "@tanstack/react-query";
import { api, type ConfiguredSetting } from "../api.ts";
import { ErrorNote, Loading, Section } from "./ui.tsx";
import "../operations.css";

const SOURCE_LABEL = { flag: "flag", environment: "environment", default: "default" } as const;

/** The effective configuration of the process that answered, read-only, secrets hidden by the API. */
export function EffectiveConfiguration() {
  const settings = useQuery({
    queryKey: ["configuration"],
    queryFn: () => api<{ data: ConfiguredSetting[] }>("GET", "/environment/configuration"),
  });
  return (
    <Section title="Effective configuration">
      <p className="muted">
        The settings of the process that answered, read-only: change them in its environment or flags and restart.
        Secrets are never shown.
      </p>
      <ErrorNote error={settings.error} />
      {settings.isPending ? <Loading what="the configuration" /> : null}
      {settings.data ? (
        <table className="settings-table">
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">Value</th>
              <th scope="col">Source</th>
              <th scope="col">Meaning</th>
            </tr>
          </thead>
          <tbody>
            {settings.data.data.map((s) => (
              <tr key={s.name}>
                <th scope="row" className="mono">
                  {s.env}
                </th>
                <td className={s.source === "default" ? "value default" : "value"}>
                  {s.secret && s.source !== "default" ? <span className="badge">hidden</span> : s.value}
                </td>
                <td>
                  <span className={`badge ${s.source === "default" ? "" : "ok"}`}>{SOURCE_LABEL[s.source]}</span>
                </td>
                <td className="muted">{s.meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Section>
  );
}
