import type { Logger } from "pino";
import type { MessageRepository } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import type { Message } from "./entities.ts";
import { endpointsReceiving, handOffDeliveries, planDeliveries, type DeliveryPlanningPorts } from "./create-message.ts";
import { newId } from "./ids.ts";
import type { OperationalApp } from "./operational-app.ts";

/** Svix's operational event types, and Hookline's alert notices (docs/operations.md, "Operational webhooks"). */
export const OPERATIONAL_EVENT_TYPES = [
  "endpoint.created",
  "endpoint.updated",
  "endpoint.deleted",
  "endpoint.enabled",
  "endpoint.disabled",
  "message.attempt.failing",
  "message.attempt.exhausted",
  "message.attempt.recovered",
  "ingest.endpoint.created",
  "ingest.endpoint.updated",
  "ingest.endpoint.deleted",
  "ingest.endpoint.enabled",
  "ingest.endpoint.disabled",
  "ingest.message.attempt.failing",
  "ingest.message.attempt.exhausted",
  "ingest.message.attempt.recovered",
  "hookline.alert.firing",
  "hookline.alert.resolved",
  "background_task.finished",
] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

/** The body every operational webhook carries: `{type, data}`, as Svix sends them. */
export interface OperationalEvent {
  type: OperationalEventType;
  data: Record<string, unknown>;
}

/** Work queued by whoever noticed something: it runs later and yields the events to send (none is fine). */
export type OperationalTask = () => Promise<OperationalEvent | OperationalEvent[] | null>;

/** What sending an operational event uses: message creation's routing, hand-over and store. */
export interface OperationalSendPorts extends DeliveryPlanningPorts {
  messages: Pick<MessageRepository, "insertWithDeliveries">;
  clock: Clock;
}

/** Tasks waiting beyond this are dropped (and logged): a flood of failures must not grow memory without bound. */
const MAX_QUEUED = 10_000;

/**
 * Sends operational events as messages of the hidden operational application (operational-app.ts),
 * so they are signed, retried, logged and listed like any delivery. Callers on the delivery path
 * only queue a task (synchronous, constant time, never throws); the tasks run one after another
 * in the background, in the order they were queued, so an event is never sent before the one
 * that was noticed first, and a failure here never fails or slows the delivery that caused it.
 * An event no operational endpoint subscribes to is not stored at all.
 */
export class OperationalEvents {
  private readonly queue: OperationalTask[] = [];
  private running: Promise<void> | null = null;
  private ports: OperationalSendPorts | null = null;
  private closed = false;
  private dropped = 0;

  constructor(
    readonly app: OperationalApp,
    private readonly log: Logger,
  ) {}

  /** Starts sending (queued tasks wait until then: the ports are built after the worker). */
  start(ports: OperationalSendPorts): void {
    this.ports = ports;
    this.kick();
  }

  /** Whether a message belongs to the operational application (its deliveries cause no operational events). */
  isOperational(appId: string): boolean {
    return appId === this.app.knownId;
  }

  /** Queues an event that is already known. */
  emit(event: OperationalEvent): void {
    this.enqueue(async () => event);
  }

  /** Queues work that finds out, later and off the caller's path, which events to send. */
  enqueue(task: OperationalTask): void {
    if (this.closed) return;
    if (this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ % 1000 === 0)
        this.log.warn({ dropped: this.dropped }, "operational events dropped: too many waiting to be sent");
      return;
    }
    this.queue.push(task);
    this.kick();
  }

  /** Resolves once every task queued so far has run. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops taking tasks and waits (at most `timeoutMs`) for the queued ones. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.whenIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.queue.length = 0;
  }

  private kick(): void {
    if (this.running || !this.ports || this.queue.length === 0) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    // Let the caller's turn finish first: the task runs after the delivery that queued it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let task: OperationalTask | undefined;
    while ((task = this.queue.shift())) {
      try {
        const result = await task();
        for (const event of result === null ? [] : Array.isArray(result) ? result : [result]) await this.send(event);
      } catch (error) {
        this.log.error({ err: error }, "an operational event could not be sent");
      }
    }
  }

  private async send(event: OperationalEvent): Promise<void> {
    const ports = this.ports!;
    const appId = await this.app.id();
    if ((await endpointsReceiving(ports, appId, event.type, null)).length === 0) return;
    const now = ports.clock.now();
    const message: Message = {
      id: newId("msg", now),
      appId,
      eventType: event.type,
      eventId: null,
      payload: JSON.stringify({ type: event.type, data: event.data }),
      channels: null,
      tags: null,
      createdAt: now,
      payloadExpiresAt: null,
      inbound: null,
      deliverAt: null,
    };
    const deliveries = await planDeliveries(ports, message);
    await ports.messages.insertWithDeliveries(message, deliveries);
    await handOffDeliveries(ports, message, deliveries);
  }
}
