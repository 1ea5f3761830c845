import { ErrorNote, Section } from "../../components/ui.tsx";
import { FailedCountConfirmation, FailedSinceField, useFailedRecovery } from "../../components/failed-recovery.tsx";

/** "Recover everything that failed since…": the number first, the resend after a confirmation. */
export function Recover({ appId, endpointId, since: initial }: { appId: string; endpointId: string; since?: string }) {
  // Counting stops after 40 pages (10 000 messages) and says "more than".
  const recovery = useFailedRecovery(appId, endpointId, { maxPages: 40, since: initial });
  const { count, recover } = recovery;
  return (
    <Section title="Recover failed deliveries">
      <p>After an outage of your server, send again everything that failed for good since it began.</p>
      <form className="grid-form" onSubmit={recovery.submit}>
        <FailedSinceField id={`recover-since-${endpointId}`} recovery={recovery} />
        <div />
        <button type="submit" disabled={count.isPending}>
          Count failed messages
        </button>
      </form>
      <ErrorNote error={count.error ?? recover.error} />
      <FailedCountConfirmation recovery={recovery} />
      {recover.isSuccess ? (
        <p role="status" className="ok-text">
          Recovery started: the failed messages are queued again.
        </p>
      ) : null}
    </Section>
  );
}
