import { performance, type EventLoopUtilization } from "node:perf_hooks";

/** How often the load is sampled; a batch decision reads the latest sample. */
const SAMPLE_MS = 250;

/**
 * How busy this process's event loop was over the last sample (0 idle, 1 never idle), from Node's
 * event-loop utilisation. A loop that is never idle has requests and deliveries waiting behind
 * whatever it runs, and time the operating system gives to other processes counts as busy too, so
 * a background task reads it to leave the process to live work when there is no room to spare.
 */
export class LoopLoad {
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  private utilization = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.utilization = performance.eventLoopUtilization(now, this.last).utilization;
      this.last = now;
    }, SAMPLE_MS);
    this.timer.unref();
  }

  /** The share of the last sample the loop was busy. */
  get current(): number {
    return this.utilization;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
