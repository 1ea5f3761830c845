import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { api, enc, type Attempt, type Message, type MessageDestination, type Page } from "../api.ts";
import { ErrorNote, Section, StatusBadge, Time } from "./ui.tsx";

/**
 * A message and its deliveries, as the console's message page and the portal's show them: the
 * message, the state of its delivery to each endpoint, the attempts, and a resend per endpoint.
 */

/**
 * Reads the message, its deliveries and their attempts. The deliveries are read again every
 * `pollMs` while one is in flight (it changes state within seconds) or while `watching()` says so.
 */
export function useMessageDeliveries(
  appId: string,
  msgId: string,
  options: { pollMs: number; watching?: () => boolean },
) {
  const base = `/app/${enc(appId)}/msg/${enc(msgId)}`;
  const message = useQuery({ queryKey: ["message", appId, msgId], queryFn: () => api<Message>("GET", base) });
  const id = message.data?.id;
  const destinations = useQuery({
    queryKey: ["destinations", appId, id],
    enabled: id !== undefined,
    queryFn: () => api<Page<MessageDestination>>("GET", `/app/${enc(appId)}/msg/${enc(id!)}/endpoint?limit=250`),
    refetchInterval: (q) =>
      options.watching?.() || q.state.data?.data.some((d) => d.status === 1 || d.status === 3) ? options.pollMs : false,
  });
  const attempts = useQuery({
    queryKey: ["message-attempts", appId, id, destinations.dataUpdatedAt],
    enabled: id !== undefined,
    queryFn: () => api<Page<Attempt>>("GET", `/app/${enc(appId)}/attempt/msg/${enc(id!)}?limit=250`),
  });
  return { message, destinations, attempts };
}

/** The resend of one delivery; the deliveries are read again once it is queued. */
export function useResend(appId: string, msgId: string, endpointId: string, onResent?: () => void) {
  const client = useQueryClient();
  const path = `/app/${enc(appId)}/msg/${enc(msgId)}/endpoint/${enc(endpointId)}/resend`;
  const mutation = useMutation({
    mutationFn: () => api("POST", path, {}),
    onSuccess: () => {
      onResent?.();
      void client.invalidateQueries({ queryKey: ["destinations", appId, msgId] });
    },
  });
  return { path, mutation };
}

/**
 * One delivery: where it went, its state, when it is tried next, and (if `canResend`) a resend;
 * `children` shows its attempts.
 */
export function DeliverySection({
  destination,
  endpointLink,
  resend,
  canResend,
  children,
}: {
  destination: MessageDestination;
  endpointLink: string;
  resend: ReturnType<typeof useResend>["mutation"];
  canResend: boolean;
  children: ReactNode;
}) {
  return (
    <Section
      title={`To ${destination.url}`}
      actions={
        <span>
          <StatusBadge text={destination.statusText} />{" "}
          {canResend ? (
            <button type="button" onClick={() => resend.mutate()} disabled={resend.isPending}>
              Resend
            </button>
          ) : null}
        </span>
      }
    >
      <p>
        <Link to={endpointLink}>Endpoint {destination.id}</Link>
        {destination.nextAttempt ? (
          <>
            {" "}
            · next attempt <Time iso={destination.nextAttempt} />
          </>
        ) : null}
      </p>
      {resend.isSuccess ? (
        <p role="status" className="ok-text">
          Resend queued.
        </p>
      ) : null}
      <ErrorNote error={resend.error} />
      {children}
    </Section>
  );
}
