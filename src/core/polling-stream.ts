import type { Clock } from "./clock.ts";
import type { Endpoint } from "./entities.ts";
import { FieldError } from "./errors.ts";
import { decodeIterator, encodeIterator, latestPosition, STREAM_START, visibilityHorizon } from "./polling-endpoint.ts";
import type { PollerRepository, StreamEntry } from "../store/store.ts";

/**
 * Reading a polling endpoint's stream (src/core/polling-endpoint.ts): by iterator (Svix's poller
 * API), by a consumer whose position the server keeps, and by a consumer that commits offsets
 * under a lease (Svix's v2 poller API). docs/api.md, "Polling endpoints", states the semantics.
 */

/** What reading a stream and keeping its consumers' positions use. */
export interface PollingStreamPorts {
  pollers: PollerRepository;
  clock: Clock;
}

export interface StreamPage {
  entries: StreamEntry[];
  /** Where the next read continues: the last entry's position, or where this one started. */
  position: string;
  /** Whether the read reached the visibility horizon (nothing more to read now). */
  done: boolean;
}

export interface StreamFilter {
  eventType?: string;
  channel?: string;
}

/** The position an iterator query parameter names; a 422 when it is not one of ours. */
export function iteratorPosition(iterator: string): string {
  const position = decodeIterator(iterator);
  if (position === null)
    throw new FieldError(["iterator"], "is not an iterator this endpoint handed out", "iterator_invalid", "query");
  return position;
}

export async function readStream(
  ports: PollingStreamPorts,
  endpoint: Endpoint,
  after: string,
  limit: number,
  filter: StreamFilter = {},
): Promise<StreamPage> {
  if (limit === 0) return { entries: [], position: after, done: false };
  const entries = await ports.pollers.read(endpoint.appId, endpoint.id, {
    after,
    before: visibilityHorizon(ports.clock.now()),
    limit,
    ...filter,
  });
  const last = entries.at(-1);
  return { entries, position: last ? last.message.id : after, done: entries.length < limit };
}

/**
 * A consumer with a server-kept position (`…/poller/{sink}/consumer/{consumer}`): reads from the
 * iterator when one is given (a rewind or a retry), else from its position, and keeps where the
 * read ended as its new position. Each call acknowledges the page before it.
 */
export async function pollConsumer(
  ports: PollingStreamPorts,
  endpoint: Endpoint,
  consumerId: string,
  iterator: string | undefined,
  limit: number,
): Promise<StreamPage> {
  const from =
    iterator !== undefined
      ? iteratorPosition(iterator)
      : ((await ports.pollers.getConsumer(endpoint.appId, endpoint.id, consumerId))?.position ?? STREAM_START);
  const page = await readStream(ports, endpoint, from, limit);
  await ports.pollers.putConsumer(
    endpoint.appId,
    endpoint.id,
    consumerId,
    { position: page.position, leasedPosition: null, leaseUntil: null },
    ports.clock.now(),
  );
  return page;
}

/** Sets a consumer's position to just after `afterMs`; answers the iterator of that position. */
export async function seekConsumer(
  ports: PollingStreamPorts,
  endpoint: Endpoint,
  consumerId: string,
  position: string,
): Promise<string> {
  await ports.pollers.putConsumer(
    endpoint.appId,
    endpoint.id,
    consumerId,
    { position, leasedPosition: null, leaseUntil: null },
    ports.clock.now(),
  );
  return encodeIterator(position);
}

/** How long a v2 read is leased when the caller does not say: 30 s to process and commit a page. */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * A v2 read (`…/polling-endpoint/{sink}/consumer/{consumer}`): continues after the pages leased
 * and not yet committed while their lease runs, else after the committed position, and leases what
 * it returns for `leaseMs`. Uncommitted pages come back once their lease ends: at least once.
 */
export async function leaseConsumer(
  ports: PollingStreamPorts,
  endpoint: Endpoint,
  consumerId: string,
  options: { limit: number; leaseMs: number; startingPosition: "earliest" | "latest" },
): Promise<StreamPage> {
  const now = ports.clock.now();
  let state = await ports.pollers.getConsumer(endpoint.appId, endpoint.id, consumerId);
  if (!state) {
    const position = options.startingPosition === "latest" ? latestPosition(now) : STREAM_START;
    state = { position, leasedPosition: null, leaseUntil: null };
  }
  const leased = state.leasedPosition !== null && state.leaseUntil !== null && state.leaseUntil > now;
  const from = leased && state.leasedPosition! > state.position ? state.leasedPosition! : state.position;
  const page = await readStream(ports, endpoint, from, options.limit);
  const lease =
    page.entries.length > 0
      ? { leasedPosition: page.position, leaseUntil: now + options.leaseMs }
      : leased
        ? { leasedPosition: state.leasedPosition, leaseUntil: state.leaseUntil }
        : { leasedPosition: null, leaseUntil: null };
  await ports.pollers.putConsumer(endpoint.appId, endpoint.id, consumerId, { position: state.position, ...lease }, now);
  return page;
}

/** A v2 commit: everything up to and including the entry with `offset` is processed. */
export async function commitOffset(ports: PollingStreamPorts, endpoint: Endpoint, consumerId: string, offset: number) {
  const position = await ports.pollers.positionOf(endpoint.appId, endpoint.id, offset);
  if (position === undefined)
    throw new FieldError(
      ["offset"],
      "is not an offset of this endpoint's stream (or it has expired)",
      "offset_unknown",
    );
  await ports.pollers.commit(endpoint.appId, endpoint.id, consumerId, position, ports.clock.now());
}
