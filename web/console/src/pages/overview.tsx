import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { api, enc, query, type Application, type Endpoint, type Page, type Stats } from "../api.ts";
import { AttentionPanels } from "../components/attention-panels.tsx";
import { Chart } from "../components/chart.tsx";
import { ErrorNote, Loading } from "../components/ui.tsx";

/** Ranges with the bucket width that keeps each under the stats API's 1,440 buckets. */
const RANGES = {
  "1h": { label: "Last hour", ms: 3_600_000, interval: "1m" },
  "24h": { label: "24 hours", ms: 86_400_000, interval: "5m" },
  "7d": { label: "7 days", ms: 7 * 86_400_000, interval: "1h" },
  "30d": { label: "30 days", ms: 30 * 86_400_000, interval: "1d" },
} as const;
type RangeKey = keyof typeof RANGES | "custom";
const WIDTHS = [
  ["1m", 60_000],
  ["5m", 300_000],
  ["1h", 3_600_000],
  ["1d", 86_400_000],
] as const;

/** The narrowest bucket width that fits a custom range in 1,440 buckets. */
function intervalFor(spanMs: number): string {
  return WIDTHS.find(([, w]) => spanMs / w <= 1440)?.[0] ?? "1d";
}

const toLocalInput = (ms: number) => new Date(ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : undefined);

/** Delivery volume, success and failure rates and latency over time, for everything, one application or one endpoint. */
export function Overview() {
  const [params, setParams] = useSearchParams();
  const range = (params.get("range") ?? "24h") as RangeKey;
  const appId = params.get("app") ?? "";
  const endpointId = params.get("endpoint") ?? "";
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };

  // Minute-aligned, so the query key stays the same for a minute and the cache is used.
  const now = Math.ceil(Date.now() / 60_000) * 60_000;
  const custom = range === "custom";
  const since = custom ? fromLocalInput(params.get("since") ?? "") : new Date(now - RANGES[range].ms).toISOString();
  const until = custom ? fromLocalInput(params.get("until") ?? "") : new Date(now).toISOString();
  const interval = custom
    ? intervalFor((Date.parse(until ?? "") || now) - (Date.parse(since ?? "") || now - 86_400_000))
    : RANGES[range].interval;

  const apps = useQuery({ queryKey: ["apps", "all"], queryFn: () => api<Page<Application>>("GET", "/app?limit=250") });
  const endpoints = useQuery({
    queryKey: ["endpoints", appId],
    queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(appId)}/endpoint?limit=250`),
    enabled: appId !== "",
  });
  const scope = appId
    ? endpointId
      ? `/app/${enc(appId)}/endpoint/${enc(endpointId)}/stats/attempts`
      : `/app/${enc(appId)}/stats/attempts`
    : "/stats/attempts";
  const stats = useQuery({
    queryKey: ["stats", scope, since, until, interval],
    queryFn: () => api<Stats>("GET", scope + query({ since, until, interval })),
    refetchInterval: 60_000,
  });

  const view = useMemo(() => {
    const data = stats.data?.data ?? [];
    const total = data.reduce((a, b) => a + b.total, 0);
    const success = data.reduce((a, b) => a + b.success, 0);
    const failure = data.reduce((a, b) => a + b.failure, 0);
    return {
      total,
      success,
      failure,
      times: data.map((b) => Date.parse(b.start) / 1000),
      volume: [
        { label: "Succeeded", colorVar: "--ok", values: data.map((b) => b.success) },
        { label: "Failed", colorVar: "--bad", values: data.map((b) => b.failure) },
      ],
      latency: [
        { label: "p50", colorVar: "--accent", sparse: true, values: data.map((b) => b.endToEndMs.p50) },
        { label: "p95", colorVar: "--warn", sparse: true, values: data.map((b) => b.endToEndMs.p95) },
      ],
    };
  }, [stats.data]);
  const rate = (n: number) => (view.total ? `${((100 * n) / view.total).toFixed(1)}%` : "—");

  return (
    <>
      <h1>Overview</h1>
      <form className="toolbar" onSubmit={(e) => e.preventDefault()} aria-label="Range and scope">
        <fieldset className="segmented">
          <legend>Range</legend>
          {[...Object.entries(RANGES).map(([k, r]) => [k, r.label] as const), ["custom", "Custom"] as const].map(
            ([key, label]) => (
              <label key={key} className={range === key ? "on" : ""}>
                <input
                  type="radio"
                  name="range"
                  value={key}
                  checked={range === key}
                  onChange={() =>
                    set(
                      key === "custom"
                        ? { range: key, since: toLocalInput(now - 86_400_000), until: toLocalInput(now) }
                        : { range: key, since: null, until: null },
                    )
                  }
                />
                {label}
              </label>
            ),
          )}
        </fieldset>
        {custom ? (
          <>
            <label>
              From{" "}
              <input
                type="datetime-local"
                value={params.get("since") ?? ""}
                onChange={(e) => set({ since: e.target.value })}
              />
            </label>
            <label>
              To{" "}
              <input
                type="datetime-local"
                value={params.get("until") ?? ""}
                onChange={(e) => set({ until: e.target.value })}
              />
            </label>
          </>
        ) : null}
        <label>
          Application{" "}
          <select value={appId} onChange={(e) => set({ app: e.target.value, endpoint: null })}>
            <option value="">All applications</option>
            {apps.data?.data.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        {appId ? (
          <label>
            Endpoint{" "}
            <select value={endpointId} onChange={(e) => set({ endpoint: e.target.value })}>
              <option value="">All endpoints</option>
              {endpoints.data?.data.map((ep) => (
                <option key={ep.id} value={ep.id}>
                  {ep.url}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </form>
      <AttentionPanels scope={{ appId, endpointId }} since={since} until={until} apps={apps.data?.data ?? []} />
      <ErrorNote error={stats.error} />
      {stats.isPending ? <Loading what="statistics" /> : null}
      {stats.data ? (
        <>
          <dl className="figures">
            <div>
              <dt>Attempts</dt>
              <dd data-testid="total-attempts">{view.total}</dd>
            </div>
            <div>
              <dt>Success rate</dt>
              <dd>{rate(view.success)}</dd>
            </div>
            <div>
              <dt>Failure rate</dt>
              <dd>{rate(view.failure)}</dd>
            </div>
            <div>
              <dt>Buckets</dt>
              <dd>
                {view.times.length} × {stats.data.interval}
              </dd>
            </div>
          </dl>
          <div className="charts">
            <Chart
              title="Delivery attempts"
              unit="attempts"
              times={view.times}
              series={view.volume}
              summary={`${view.success} succeeded and ${view.failure} failed`}
            />
            <Chart
              title="End-to-end latency"
              unit="ms"
              times={view.times}
              series={view.latency}
              summary="median and 95th percentile time from acceptance to first successful delivery"
            />
          </div>
        </>
      ) : null}
    </>
  );
}
