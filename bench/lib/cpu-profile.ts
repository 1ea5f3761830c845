/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and ranks where the time went by self time: per
 * function, and per area (a source file of src/, a package of node_modules, Node's internals, GC).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  /** Share of the samples in the window, %. */
  selfPercent: number;
  selfMs: number;
}

export interface ProfileSummary {
  file: string;
  /** Whether the samples were restricted to the measured window (else the whole process life). */
  windowed: boolean;
  sampledMs: number;
  functions: HotSpot[];
  areas: HotSpot[];
}

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, "");
  if (u.startsWith(REPO_ROOT)) u = u.slice(REPO_ROOT.length);
  const nm = u.lastIndexOf("node_modules/");
  if (nm !== -1) u = u.slice(nm);
  return u;
}

function areaOf(frame: ProfileNode["callFrame"]): string {
  const fn = frame.functionName;
  if (fn === "(garbage collector)" || fn === "(idle)" || fn === "(program)" || fn === "(root)") return fn;
  const u = shortUrl(frame.url);
  if (u === "") return "(native/builtin)";
  if (u.startsWith("node:")) return "node internals";
  const nm = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (nm) return `package ${nm[1]}`;
  return u;
}

/** The newest .cpuprofile in `dir`. */
export function newestProfile(dir: string): string | null {
  try {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .sort();
    return files.length > 0 ? path.join(dir, files[files.length - 1]!) : null;
  } catch {
    return null;
  }
}

/** Top functions and areas by self time, counting only samples in [fromUs, toUs] (monotonic µs) when they overlap the profile. */
export function summarizeProfile(
  file: string,
  window: { fromUs: number; toUs: number } | null,
  top = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const windowed = window !== null && window.fromUs < profile.endTime && window.toUs > profile.startTime;
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (windowed && (t < window.fromUs || t > window.toUs)) continue;
    // A sample's weight is the time until the next sample (the usual attribution).
    const weight = profile.timeDeltas[i + 1] ?? dt;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + weight);
    total += weight;
  }
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    // Line and column of the code V8 ran (tsx's output for src/*.ts, where one line can hold a whole module).
    const loc = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : "";
    const key = `${frame.functionName || "(anonymous)"}${loc}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        selfPercent: Math.round((us / Math.max(1, total)) * 1000) / 10,
        selfMs: Math.round(us / 1000),
      }));
  return { file, windowed, sampledMs: Math.round(total / 1000), functions: rank(fns), areas: rank(areas) };
}
