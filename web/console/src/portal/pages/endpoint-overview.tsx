import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, enc, query, type Endpoint, type Stats } from "../../api.ts";
import { Chart, type ChartSeries } from "../../components/chart.tsx";
import { ErrorNote, Loading, Section } from "../../components/ui.tsx";

const RANGES = [
  { key: "24h", label: "24 hours", ms: 86_400_000, interval: "1h" },
  { key: "7d", label: "7 days", ms: 7 * 86_400_000, interval: "1d" },
] as const;

/** The endpoint's delivery attempts over time (succeeded, failed) and what it receives. */
export function EndpointOverview({ appId, endpoint }: { appId: string; endpoint: Endpoint }) {
  const [rangeKey, setRangeKey] = useState<(typeof RANGES)[number]["key"]>("24h");
  const range = RANGES.find((r) => r.key === rangeKey)!;
  const until = Math.ceil(Date.now() / 60_000) * 60_000;
  const stats = useQuery({
    queryKey: ["portal-endpoint-stats", appId, endpoint.id, rangeKey, until],
    queryFn: () =>
      api<Stats>(
        "GET",
        `/app/${enc(appId)}/endpoint/${enc(endpoint.id)}/stats/attempts` +
          query({
            interval: range.interval,
            since: new Date(until - range.ms).toISOString(),
            until: new Date(until).toISOString(),
          }),
      ),
  });
  const chart = useMemo(() => {
    const data = stats.data?.data ?? [];
    const series: ChartSeries[] = [
      { label: "Succeeded", colorVar: "--ok", values: data.map((b) => b.success) },
      { label: "Failed", colorVar: "--bad", values: data.map((b) => b.failure) },
    ];
    return { times: data.map((b) => Date.parse(b.start) / 1000), series };
  }, [stats.data]);
  const total = stats.data?.data.reduce((a, b) => a + b.total, 0) ?? 0;
  const failed = stats.data?.data.reduce((a, b) => a + b.failure, 0) ?? 0;
  return (
    <>
      <Section
        title="Delivery attempts"
        actions={
          <label className="inline">
            Range{" "}
            <select value={rangeKey} onChange={(e) => setRangeKey(e.target.value as typeof rangeKey)}>
              {RANGES.map((r) => (
                <option key={r.key} value={r.key}>
                  Last {r.label}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <ErrorNote error={stats.error} />
        {stats.isPending ? <Loading what="statistics" /> : null}
        {stats.data ? (
          <Chart
            title={`Attempts over the last ${range.label}`}
            times={chart.times}
            series={chart.series}
            unit="attempts"
            summary={`${total} attempts, ${failed} failed`}
          />
        ) : null}
      </Section>
      <Section title="Receives">
        <p>
          {endpoint.filterTypes?.length ? (
            <>
              Only these event types:{" "}
              {endpoint.filterTypes.map((t, i) => (
                <span key={t}>
                  {i ? ", " : ""}
                  <code>{t}</code>
                </span>
              ))}
            </>
          ) : (
            "Every event type."
          )}
        </p>
        <p>{endpoint.rateLimit ? `At most ${endpoint.rateLimit} deliveries a second.` : "No rate limit."}</p>
      </Section>
    </>
  );
}
