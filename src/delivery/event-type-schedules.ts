import type { EventTypeRepository } from "../store/store.ts";

/** Event types change rarely; a per-type schedule edit reaches every worker within this long. */
const TTL_MS = 5000;

/** Per-event-type retry schedules, cached so the worker does not read the event type on every attempt. */
export class EventTypeSchedules {
  private readonly cache = new Map<string, { at: number; schedule: number[] | null }>();

  constructor(private readonly eventTypes: EventTypeRepository) {}

  async forType(name: string): Promise<number[] | null> {
    const now = Date.now();
    const hit = this.cache.get(name);
    if (hit && now - hit.at < TTL_MS) return hit.schedule;
    const schedule = (await this.eventTypes.get(name))?.retrySchedule ?? null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(name, { at: now, schedule });
    return schedule;
  }
}
