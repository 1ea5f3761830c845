/**
 * How busy the machine was, and how much of that was not the benchmark. The benchmark shares the
 * machine with whatever else runs on it (a test suite, an editor's type checker); on 2 cores that
 * moves p99 more than the thing being measured, so every phase records it and the driver can wait
 * for a quiet machine first. Linux /proc only; elsewhere the numbers are null.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on every Linux the benchmark runs on

interface Sample {
  atMs: number;
  /** Busy and total jiffies of all CPUs. */
  busy: number;
  total: number;
  /** CPU jiffies of the benchmark's own process trees. */
  ours: number;
}

function systemTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** utime+stime of every process below (and including) the given roots. */
function treeTicks(roots: number[]): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may contain spaces and parentheses: split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      /* exited meanwhile */
    }
  }
  const rootSet = new Set(roots);
  let sum = 0;
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 64; depth++) {
      if (rootSet.has(p)) {
        sum += t;
        break;
      }
      p = parent.get(p);
    }
  }
  return sum;
}

/** Every process id below (and including) the given roots, e.g. a postmaster and its backends. */
export function processTree(roots: number[]): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const rootSet = new Set(roots);
  const out: number[] = [];
  for (const pid of parent.keys()) {
    for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 64; depth++) {
      if (rootSet.has(p)) {
        out.push(pid);
        break;
      }
      p = parent.get(p);
    }
  }
  return out;
}

export class CpuMeter {
  /** Process ids whose trees count as the benchmark's own (this process, a PostgreSQL postmaster). */
  readonly roots = new Set<number>([process.pid]);
  readonly available: boolean;

  constructor() {
    let ok = false;
    try {
      systemTicks();
      ok = true;
    } catch {
      ok = false;
    }
    this.available = ok;
  }

  sample(): Sample | null {
    if (!this.available) return null;
    const s = systemTicks();
    return { atMs: Date.now(), busy: s.busy, total: s.total, ours: treeTicks([...this.roots]) };
  }

  /** CPU use between two samples, in cores (2.0 = both cores of a 2-core machine busy). */
  static between(a: Sample | null, b: Sample | null): CpuUse | null {
    if (!a || !b || b.atMs <= a.atMs) return null;
    const seconds = (b.atMs - a.atMs) / 1000;
    const busy = (b.busy - a.busy) / TICKS_PER_SECOND / seconds;
    const ours = (b.ours - a.ours) / TICKS_PER_SECOND / seconds;
    const r = (n: number) => Math.round(n * 100) / 100;
    return { seconds: r(seconds), busyCores: r(busy), benchCores: r(ours), otherCores: r(Math.max(0, busy - ours)) };
  }
}

export interface CpuUse {
  seconds: number;
  /** Cores busy machine-wide. */
  busyCores: number;
  /** Cores used by the benchmark's processes (server, load generator, receiver, PostgreSQL). */
  benchCores: number;
  /** Cores used by everything else on the machine. */
  otherCores: number;
}
