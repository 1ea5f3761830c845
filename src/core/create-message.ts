import type { AppContext } from "../main/context.ts";
import type { IdempotentResponse, NewDelivery } from "../store/store.ts";
import { TriggerType, type Application, type Endpoint, type Message } from "./entities.ts";
import { newId } from "./ids.ts";
import { routesTo } from "./routing.ts";
import { announceWork } from "./announce-work.ts";

export interface MessageInput {
  eventType: string;
  payload: Record<string, unknown>;
  eventId?: string | null;
  channels?: string[] | null;
  tags?: string[] | null;
  /** Purge the payload this many hours after acceptance (the API's payloadRetentionHours/Period). */
  payloadRetentionHours?: number | null;
  /** Send to this endpoint only (send-example), instead of routing to every matching one. */
  onlyEndpoint?: Endpoint;
  /** Builds the response to remember under the request's idempotency key, committed with the message. */
  idempotentResponse?: (message: Message) => IdempotentResponse;
}

/**
 * Accepts a message: the message row and one delivery per matching endpoint commit in one
 * transaction before this resolves, so whatever the API acknowledges survives a crash. When
 * this process runs a worker with room, the deliveries are created already leased to it and
 * handed over in memory (no second database round trip); otherwise they wait in the store for
 * whichever worker claims them.
 */
export async function createMessage(ctx: AppContext, app: Application, input: MessageInput): Promise<Message> {
  const now = ctx.clock.now();
  const channels = input.channels && input.channels.length > 0 ? input.channels : null;
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
    payloadExpiresAt: input.payloadRetentionHours ? now + input.payloadRetentionHours * 3_600_000 : null,
  };
  const targets = input.onlyEndpoint
    ? [input.onlyEndpoint]
    : (await ctx.endpoints.forApp(app.id)).filter((e) => routesTo(e, message.eventType, channels));
  const dispatcher = ctx.dispatcher;
  const leaseUntil = now + (dispatcher?.leaseMs ?? 0);
  const deliveries: NewDelivery[] = targets.map((endpoint) => {
    const local = dispatcher !== null && dispatcher.canAccept(endpoint.id);
    return {
      id: newId("dlv", now),
      endpointId: endpoint.id,
      leaseOwner: local ? dispatcher.owner : null,
      leaseUntil: local ? leaseUntil : null,
    };
  });
  await ctx.store.messages.insertWithDeliveries(message, deliveries, input.idempotentResponse?.(message));
  // Deliveries no local worker took wait in the store: tell the workers of other processes.
  if (deliveries.some((d) => d.leaseOwner === null)) await announceWork(ctx);
  if (dispatcher) {
    for (const d of deliveries) {
      if (d.leaseOwner === null) continue;
      dispatcher.accept({
        id: d.id,
        appId: app.id,
        msgId: message.id,
        endpointId: d.endpointId,
        attemptCount: 0,
        trigger: TriggerType.Scheduled,
        message,
      });
    }
  }
  return message;
}
