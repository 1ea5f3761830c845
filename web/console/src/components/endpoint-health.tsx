import { useQuery } from "@tanstack/react-query";
import { api, enc, query, type Stats } from "../api.ts";

const DAY_MS = 86_400_000;

/** Attempts per hour over the last 24 hours as a small line: its shape, not its numbers. */
function Sparkline({ values, label }: { values: number[]; label: string }) {
  const width = 120;
  const height = 24;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img">
      <title>{label}</title>
      <polyline points={points.join(" ")} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/**
 * An endpoint's last 24 hours from the stats API: failure rate and a sparkline of attempts per hour
 * (`line="total"`, the default) or of successful ones (`line="success"`, the consumer portal's).
 */
export function EndpointHealth({
  appId,
  endpointId,
  line = "total",
}: {
  appId: string;
  endpointId: string;
  line?: "total" | "success";
}) {
  const until = Math.ceil(Date.now() / 60_000) * 60_000;
  const stats = useQuery({
    queryKey: ["endpoint-health", appId, endpointId, until],
    queryFn: () =>
      api<Stats>(
        "GET",
        `/app/${enc(appId)}/endpoint/${enc(endpointId)}/stats/attempts` +
          query({
            interval: "1h",
            since: new Date(until - DAY_MS).toISOString(),
            until: new Date(until).toISOString(),
          }),
      ),
  });
  if (stats.isError) return <td colSpan={2}>{(stats.error as Error).message}</td>;
  if (!stats.data)
    return (
      <td colSpan={2} className="muted">
        …
      </td>
    );
  const buckets = stats.data.data;
  const total = buckets.reduce((a, b) => a + b.total, 0);
  const failure = buckets.reduce((a, b) => a + b.failure, 0);
  const rate = total ? (100 * failure) / total : null;
  return (
    <>
      <td className={rate !== null && rate > 0 ? "bad-text" : ""}>
        {rate === null ? <span className="muted">no attempts</span> : `${rate.toFixed(rate < 10 ? 1 : 0)}% of ${total}`}
      </td>
      <td>
        <Sparkline
          values={buckets.map((b) => (line === "success" ? b.success : b.total))}
          label={
            line === "success"
              ? `${total - failure} successful attempts in 24 hours, ${failure} failed`
              : `${total} attempts in 24 hours, ${failure} failed`
          }
        />
      </td>
    </>
  );
}
