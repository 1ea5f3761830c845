import type { HooklineMetrics } from "../observability/metrics.ts";
import type { Tracing } from "../observability/tracing.ts";
import type { IdempotentResponse, MessageRepository, NewDelivery } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import { TriggerType, type Application, type Endpoint, type Message } from "./entities.ts";
import { newId } from "./ids.ts";
import { routesTo } from "./routing.ts";
import { isScheduled } from "./message-schedule.ts";
import { isPollingEndpoint } from "./polling-endpoint.ts";
import type { TraceHeaders } from "./trace-context.ts";
import type { WorkHandOff } from "./work-hand-off.ts";

/** Routing a message: the application's endpoints as the routing cache holds them (core/endpoint-directory.ts). */
export interface RoutingPorts {
  directory: { forApp(appId: string): Promise<Endpoint[]> };
}

/** Planning and handing over deliveries: routing, and this process's worker (null where none runs). */
export interface DeliveryPlanningPorts extends RoutingPorts {
  worker: WorkHandOff | null;
  /** Wakes the workers of every process (core/announce-work.ts). */
  announceWork(): Promise<void>;
}

/** Everything accepting a message through the API uses. */
export interface MessageCreationPorts extends DeliveryPlanningPorts {
  messages: Pick<MessageRepository, "insertWithDeliveries">;
  clock: Clock;
  tracing: Pick<Tracing, "start">;
  metrics: Pick<HooklineMetrics, "messageCreated">;
}

export interface MessageInput {
  eventType: string;
  payload: Record<string, unknown>;
  eventId?: string | null;
  channels?: string[] | null;
  tags?: string[] | null;
  /** Purge the payload this many hours after acceptance (the API's payloadRetentionHours/Period). */
  payloadRetentionHours?: number | null;
  /** Deliver no earlier than this (ms), already checked by requestedDeliverAt; null for at once. */
  deliverAt?: number | null;
  /** Send to this endpoint only (send-example), instead of routing to every matching one. */
  onlyEndpoint?: Endpoint;
  /** The W3C trace context the request carried (already validated), or null (docs/operations.md, "Tracing"). */
  trace?: TraceHeaders | null;
  /** Builds the response to remember under the request's idempotency key, committed with the message. */
  idempotentResponse?: (message: Message) => IdempotentResponse;
}

/**
 * The endpoints a message of this type on these channels is routed to (an empty channel list is
 * none). What message creation fans out to, and what the precheck route answers from.
 */
export async function endpointsReceiving(
  ports: RoutingPorts,
  appId: string,
  eventType: string,
  channels: string[] | null | undefined,
): Promise<Endpoint[]> {
  const onChannels = channels && channels.length > 0 ? channels : null;
  return (await ports.directory.forApp(appId)).filter((e) => routesTo(e, eventType, onChannels));
}

/**
 * One delivery per endpoint the message routes to. When this process runs a worker with room,
 * a delivery is created already leased to it, to be handed over in memory after the commit (no
 * second database round trip); otherwise it waits in the store for whichever worker claims it.
 * A message scheduled for later is never leased at creation: it waits in the store until due.
 */
export async function planDeliveries(
  ports: DeliveryPlanningPorts,
  message: Message,
  onlyEndpoint?: Endpoint,
): Promise<NewDelivery[]> {
  const targets = onlyEndpoint
    ? [onlyEndpoint]
    : await endpointsReceiving(ports, message.appId, message.eventType, message.channels);
  const worker = isScheduled(message) ? null : ports.worker;
  const leaseUntil = message.createdAt + (worker?.leaseMs ?? 0);
  return targets.map((endpoint) => {
    // A polling endpoint is never dialled: its delivery is an entry of its stream, settled at once.
    if (isPollingEndpoint(endpoint)) {
      return {
        id: newId("dlv", message.createdAt),
        endpointId: endpoint.id,
        leaseOwner: null,
        leaseUntil: null,
        stream: true,
      };
    }
    const local = worker !== null && worker.canAccept(endpoint.id);
    return {
      id: newId("dlv", message.createdAt),
      endpointId: endpoint.id,
      leaseOwner: local ? worker.owner : null,
      leaseUntil: local ? leaseUntil : null,
    };
  });
}

/**
 * After the commit: leased deliveries go to the local worker, the rest are announced to the others.
 * A scheduled message's deliveries are not due yet: the local worker sets a timer for their time,
 * and the other workers' polls find them then (announcing them now would wake them for nothing).
 */
export async function handOffDeliveries(
  ports: DeliveryPlanningPorts,
  message: Message,
  planned: NewDelivery[],
): Promise<void> {
  const deliveries = planned.filter((d) => d.stream !== true);
  if (isScheduled(message)) {
    if (deliveries.length > 0) ports.worker?.wakeAt(message.deliverAt);
    return;
  }
  if (deliveries.some((d) => d.leaseOwner === null)) await ports.announceWork();
  const worker = ports.worker;
  if (!worker) return;
  for (const d of deliveries) {
    if (d.leaseOwner === null) continue;
    worker.accept({
      id: d.id,
      appId: message.appId,
      msgId: message.id,
      endpointId: d.endpointId,
      attemptCount: 0,
      trigger: TriggerType.Scheduled,
      message,
      dueAt: message.createdAt,
    });
  }
}

/**
 * Accepts a message: the message row and one delivery per matching endpoint commit in one
 * transaction before this resolves, so whatever the API acknowledges survives a crash.
 */
export async function createMessage(
  ports: MessageCreationPorts,
  app: Application,
  input: MessageInput,
): Promise<Message> {
  const now = ports.clock.now();
  const channels = input.channels && input.channels.length > 0 ? input.channels : null;
  // The accept span (tracing on) is the parent the deliveries continue; off, the posted context is kept as is.
  const span = ports.tracing.start("hookline.accept", "server", input.trace ?? null, {
    "hookline.app_id": app.id,
    "hookline.event_type": input.eventType,
    "hookline.event_id": input.eventId ?? undefined,
  });
  const trace = span ?? input.trace ?? null;
  const message: Message = {
    id: newId("msg", now),
    appId: app.id,
    eventType: input.eventType,
    eventId: input.eventId ?? null,
    // Serialised once, here: these exact bytes are stored, signed and sent.
    payload: JSON.stringify(input.payload),
    channels,
    tags: input.tags && input.tags.length > 0 ? input.tags : null,
    createdAt: now,
    // Counted from the delivery time: a payload must not expire before it is first sent.
    payloadExpiresAt: input.payloadRetentionHours
      ? Math.max(now, input.deliverAt ?? now) + input.payloadRetentionHours * 3_600_000
      : null,
    inbound: null,
    deliverAt: input.deliverAt ?? null,
    traceparent: trace?.traceparent ?? null,
    tracestate: trace?.tracestate ?? null,
  };
  try {
    const deliveries = await planDeliveries(ports, message, input.onlyEndpoint);
    span?.setAttributes({ "hookline.message_id": message.id, "hookline.deliveries": deliveries.length });
    await ports.messages.insertWithDeliveries(message, deliveries, input.idempotentResponse?.(message));
    await handOffDeliveries(ports, message, deliveries);
  } catch (error) {
    span?.fail(error instanceof Error ? error.name : "error", error instanceof Error ? error.message : undefined);
    throw error;
  } finally {
    span?.end();
  }
  ports.metrics.messageCreated("api", app.id);
  return message;
}
