import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  /** A CSS custom property of styles.css, so the line follows light and dark mode. */
  colorVar: string;
  /**
   * Join the points across empty buckets (a percentile has no value where nothing was delivered,
   * which is not zero), and mark each point, so that a lone measurement shows.
   */
  sparse?: boolean;
  values: (number | null)[];
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * A time-series line chart (uPlot: about 20 kB compressed, canvas-drawn, fast on thousands of
 * points). Its text alternative is the summary the caller gives.
 */
export function Chart({
  title,
  times,
  series,
  unit,
  summary,
}: {
  title: string;
  times: number[];
  series: ChartSeries[];
  unit: string;
  summary: string;
}) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const text = cssVar("--muted") || "#666";
    const grid = cssVar("--border") || "#ddd";
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 300),
        height: 220,
        scales: { x: { time: true } },
        axes: [axis, { ...axis, label: unit, size: 60 }],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: cssVar(s.colorVar) || "#36c",
            width: 2,
            spanGaps: s.sparse ?? false,
            points: s.sparse ? { show: true, size: 5 } : {},
          })),
        ],
        legend: { show: true },
      },
      [times, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 300), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, unit]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${summary}`} />
    </figure>
  );
}
