import type { Logger } from "pino";
import type { AlertRule } from "../../core/alert-rule.ts";
import type { Clock } from "../../core/clock.ts";
import { DeliveryStatus } from "../../core/entities.ts";
import type { OperationalEvents } from "../../core/operational-events.ts";
import type { Store } from "../../store/store.ts";
import type { AttemptObservation } from "../delivery-observer.ts";
import { describeSubject, notice, subjectKey, type NoticeSubject } from "./notices.ts";
import { evaluateWindowRule } from "./window-rules.ts";

/** The consecutive-failure budget's notice levels, in percent of the budget. */
export const BUDGET_LEVELS = [50, 70, 90, 100] as const;

/** The highest level `failures` reaches of a budget of `threshold` failures (null below the first). */
export function budgetLevel(failures: number, threshold: number): number | null {
  const percent = (failures / threshold) * 100;
  let level: number | null = null;
  for (const l of BUDGET_LEVELS) if (percent >= l) level = l;
  return level;
}

/** Failing endpoints this process remembers (see failingHere). */
const MAX_TRACKED_ENDPOINTS = 100_000;

/** How long this process uses its copy of the rules before reading them again (changes made here apply at once). */
const RULE_CACHE_MS = 5_000;

const matches = (rule: AlertRule, appId: string, endpointId: string): boolean =>
  !rule.disabled &&
  (rule.appId === null || rule.appId === appId) &&
  (rule.endpointId === null || rule.endpointId === endpointId);

/**
 * Evaluates the alert rules (docs/operations.md, "Alert rules") and queues their notices as
 * operational events. Attempt outcomes arrive from the delivery observer: looking at them is
 * synchronous and cheap, and the database work they lead to (counting a failure, claiming a
 * notice) runs later on the operational events' queue, in order with the events noticed before.
 * Window rules (failure rate, backlog age) are evaluated by a periodic job. Notices are
 * de-duplicated in the database (one per subject, rule and level per `dedupeSeconds`), so
 * several processes never send the same one twice.
 */
export class AlertEngine {
  private rules: AlertRule[] = [];
  private loadedAt = -Infinity;
  private loading: Promise<void> | null = null;
  /** Endpoints whose failures this process counted since their last success (to know when to clear). */
  private readonly failingHere = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly events: OperationalEvents,
    private readonly log: Logger,
  ) {}

  /** Reads the rules again now (after a change through the API, and at start-up). */
  async refresh(): Promise<void> {
    this.loadedAt = performance.now();
    this.rules = await this.store.alerts.allRules();
  }

  private current(): AlertRule[] {
    if (performance.now() - this.loadedAt > RULE_CACHE_MS && !this.loading) {
      this.loading = this.refresh()
        .catch((error: unknown) => this.log.warn({ err: error }, "reading the alert rules failed"))
        .finally(() => (this.loading = null));
    }
    return this.rules;
  }

  /** One recorded attempt (the delivery observer's call): synchronous, never throws. */
  attemptRecorded(o: AttemptObservation): void {
    const { job, attempt, decision } = o;
    if (this.events.isOperational(job.appId)) return;
    const rules = this.current().filter((r) => matches(r, job.appId, job.endpointId));
    const subject: NoticeSubject = { appId: job.appId, endpointId: job.endpointId };
    const failed = attempt.status === DeliveryStatus.Fail && o.requestSent;
    const succeeded = attempt.status === DeliveryStatus.Success;
    const wasFailing = job.attemptCount > 0 || this.failingHere.has(job.endpointId);
    if (failed) {
      // Bounded: forgetting an endpoint only means its resolved notice waits for a retried message's success.
      if (this.failingHere.size >= MAX_TRACKED_ENDPOINTS) this.failingHere.clear();
      this.failingHere.add(job.endpointId);
    }
    if (succeeded) this.failingHere.delete(job.endpointId);
    for (const rule of rules) {
      if (rule.kind === "consecutive_failures") {
        if (failed) this.events.enqueue(() => this.countFailure(rule, subject));
        else if (succeeded && wasFailing) this.events.enqueue(() => this.clear(rule, subject, "delivers again"));
      } else if (rule.kind === "endpoint_disabled" && decision.disableEndpoint) {
        this.events.enqueue(() => this.fire(rule, subject, 100, null, "was disabled automatically after failing"));
      }
    }
  }

  /** An endpoint was disabled through the API. */
  endpointDisabled(appId: string, endpointId: string): void {
    this.forRules("endpoint_disabled", appId, endpointId, (rule, subject) =>
      this.fire(rule, subject, 100, null, "was disabled through the API"),
    );
  }

  /** An endpoint was enabled again: its disabled notice, if one was sent, is resolved. */
  endpointEnabled(appId: string, endpointId: string): void {
    this.forRules("endpoint_disabled", appId, endpointId, (rule, subject) =>
      this.clear(rule, subject, "is enabled again"),
    );
  }

  /** Evaluates the window rules (failure rate, backlog age) once; a periodic job calls it. */
  async evaluateWindows(): Promise<void> {
    await this.refresh();
    const now = this.clock.now();
    for (const rule of this.rules) {
      if (rule.disabled || (rule.kind !== "failure_rate" && rule.kind !== "backlog_age")) continue;
      const subject: NoticeSubject = { appId: rule.appId, endpointId: rule.endpointId };
      const verdict = await evaluateWindowRule(this.store, rule, now);
      if (verdict.firing) this.events.enqueue(() => this.fire(rule, subject, 100, verdict.value, verdict.summary));
      else this.events.enqueue(() => this.clear(rule, subject, verdict.summary));
    }
    await this.events.whenIdle();
  }

  private forRules(
    kind: AlertRule["kind"],
    appId: string,
    endpointId: string,
    task: (rule: AlertRule, subject: NoticeSubject) => ReturnType<AlertEngine["fire"]>,
  ): void {
    if (this.events.isOperational(appId)) return;
    for (const rule of this.current()) {
      if (rule.kind === kind && matches(rule, appId, endpointId))
        this.events.enqueue(() => task(rule, { appId, endpointId }));
    }
  }

  private async countFailure(rule: AlertRule, subject: NoticeSubject) {
    const failures = await this.store.alerts.countFailure(rule.id, subjectKey(subject));
    const level = budgetLevel(failures, rule.params.threshold);
    if (level === null) return null;
    return this.fire(
      rule,
      subject,
      level,
      failures,
      `has failed ${failures} times in a row: ${level} % of its budget of ${rule.params.threshold}`,
    );
  }

  private async fire(rule: AlertRule, subject: NoticeSubject, level: number, value: number | null, what: string) {
    const now = this.clock.now();
    const claimed = await this.store.alerts.claimNotice(
      rule.id,
      subjectKey(subject),
      level,
      now,
      rule.dedupeSeconds * 1000,
    );
    if (!claimed) return null;
    return notice("firing", rule, subject, {
      level,
      value,
      summary: `${capital(describeSubject(subject))} ${what}.`,
      at: now,
    });
  }

  private async clear(rule: AlertRule, subject: NoticeSubject, what: string) {
    const notified = await this.store.alerts.clearState(rule.id, subjectKey(subject));
    if (notified === null) return null;
    const now = this.clock.now();
    return notice("resolved", rule, subject, {
      level: null,
      value: null,
      summary: `Resolved: ${describeSubject(subject)} ${what}.`,
      at: now,
    });
  }
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
