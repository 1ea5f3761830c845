/**
 * What one process uses, from Linux /proc: resident memory (sampled every 100 ms by default, plus
 * the kernel's own high-water mark) and CPU time. Elsewhere the numbers are null.
 */
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on every Linux the benchmark runs on

/** VmRSS and VmHWM (peak RSS) of a process, in kB; null once it is gone. */
export function memoryKb(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: field("VmRSS"), hwm: field("VmHWM") };
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used so far; null once it is gone. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export interface RssSample {
  /** Milliseconds since sampling started. */
  tMs: number;
  rssMb: number;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** Samples a process's VmRSS every `everyMs` until stopped (or the process is gone). */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private hwmKb = 0;

  constructor(
    readonly pid: number,
    everyMs = 100,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.sample();
  }

  sample(): void {
    const m = memoryKb(this.pid);
    if (!m) return;
    this.hwmKb = Math.max(this.hwmKb, m.hwm || 0, m.rss);
    this.samples.push({ tMs: Math.round(performance.now() - this.started), rssMb: mb(m.rss) });
  }

  /** Milliseconds since sampling started (the clock of `samples`). */
  now(): number {
    return Math.round(performance.now() - this.started);
  }

  /** Peak resident memory so far (the kernel's VmHWM, which also sees peaks between samples), MB. */
  get peakMb(): number {
    return mb(this.hwmKb);
  }

  /** Samples taken between two times of `now()`. */
  between(fromMs: number, toMs: number): RssSample[] {
    return this.samples.filter((s) => s.tMs >= fromMs && s.tMs <= toMs);
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
