/** Turning the load generator's records and the receiver's arrival times into latency reports. */
import type { LoadResult } from "./open-loop-generator.ts";
import { summarize, type Summary } from "../../test/support/stats.ts";

export interface PhaseWindow {
  fromUs: number;
  toUs: number;
}

export interface LatencyReport {
  windowSeconds: number;
  sent: number;
  accepted: number;
  delivered: number;
  /** Accepted (202) but not seen at the receiver by the end of the drain wait. */
  undelivered: number;
  failed: number;
  dropped: number;
  /** Webhooks that arrived before the load generator had read the 202 (negative latency). */
  arrivedBeforeAck: number;
  /** Delivery latency: receiver arrival − 202 received (the requirement's metric). */
  latency: Summary;
  /** API latency: 202 received − scheduled send time. */
  api: Summary;
  /** End to end: receiver arrival − scheduled send time. */
  endToEnd: Summary;
}

export interface TimelinePoint {
  /** Seconds since the load started. */
  second: number;
  sent: number;
  /** Delivery latency of the messages sent in this second, ms. */
  p50: number;
  p99: number;
  max: number;
  /** API latency p99 of the messages sent in this second, ms. */
  apiP99: number;
}

/** Latency of the messages whose scheduled send time falls in the window. */
export function analyze(result: LoadResult, arrivals: Map<string, number>, w: PhaseWindow): LatencyReport {
  const lat: number[] = [];
  const api: number[] = [];
  const e2e: number[] = [];
  let sent = 0;
  let accepted = 0;
  let undelivered = 0;
  let failed = 0;
  let dropped = 0;
  let early = 0;
  for (let i = 0; i < result.scheduledUs.length; i++) {
    const at = result.scheduledUs[i]!;
    if (at < w.fromUs || at >= w.toUs) continue;
    sent++;
    const status = result.status[i]!;
    if (status === -1) dropped++;
    else if (status !== 202) failed++;
    else {
      accepted++;
      const ack = result.ackUs[i]!;
      api.push(ack - at);
      const arrival = arrivals.get(result.ids[i]!);
      if (arrival === undefined) undelivered++;
      else {
        lat.push(arrival - ack);
        e2e.push(arrival - at);
        if (arrival < ack) early++;
      }
    }
  }
  return {
    windowSeconds: Math.round((w.toUs - w.fromUs) / 1e4) / 100,
    sent,
    accepted,
    delivered: lat.length,
    undelivered,
    failed,
    dropped,
    arrivedBeforeAck: early,
    latency: summarize(lat),
    api: summarize(api),
    endToEnd: summarize(e2e),
  };
}

/** Per-second buckets over the whole load, for plots and for spotting stalls. */
export function timeline(result: LoadResult, arrivals: Map<string, number>): TimelinePoint[] {
  const lat = new Map<number, number[]>();
  const api = new Map<number, number[]>();
  const sent = new Map<number, number>();
  for (let i = 0; i < result.scheduledUs.length; i++) {
    const second = Math.floor((result.scheduledUs[i]! - result.t0Us) / 1e6);
    sent.set(second, (sent.get(second) ?? 0) + 1);
    if (result.status[i] !== 202) continue;
    if (!api.has(second)) api.set(second, []);
    api.get(second)!.push(result.ackUs[i]! - result.scheduledUs[i]!);
    const arrival = arrivals.get(result.ids[i]!);
    if (arrival === undefined) continue;
    if (!lat.has(second)) lat.set(second, []);
    lat.get(second)!.push(arrival - result.ackUs[i]!);
  }
  return [...sent.keys()]
    .sort((a, b) => a - b)
    .map((second) => {
      const s = summarize(lat.get(second) ?? []);
      return {
        second,
        sent: sent.get(second)!,
        p50: s.p50,
        p99: s.p99,
        max: s.max,
        apiP99: summarize(api.get(second) ?? []).p99,
      };
    });
}
