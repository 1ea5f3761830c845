import type { DeliveryRepository } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import { newId } from "./ids.ts";

/** What sending a stored message again uses. */
export interface MessageResendPorts {
  deliveries: Pick<DeliveryRepository, "resend">;
  clock: Clock;
  /** Wakes the workers of every process (core/announce-work.ts). */
  announceWork(): Promise<void>;
}

/**
 * Sends a stored message again to each of these endpoints, as a new manual delivery, and wakes the
 * workers to send them (the resend route, and the replay of an inbound log entry). Callers keep
 * polling endpoints out: their stream already holds the message.
 */
export async function resendMessage(
  ports: MessageResendPorts,
  appId: string,
  msgId: string,
  endpointIds: readonly string[],
): Promise<void> {
  const now = ports.clock.now();
  for (const endpointId of endpointIds) {
    await ports.deliveries.resend(appId, msgId, endpointId, newId("dlv", now), now);
  }
  await ports.announceWork();
}
