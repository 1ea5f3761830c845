import type { Attempt } from "../api.ts";
import { StatusBadge, Time } from "./ui.tsx";

/**
 * The parts of an endpoint's attempt list that the console's endpoint page and the portal's share:
 * the status filter and the columns every attempt table starts with.
 */

/** The attempt statuses a list can be filtered by (the API's `status`; "" for any). */
export function AttemptStatusSelect({ value, onChange }: { value: string; onChange: (status: string) => void }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Any</option>
      <option value="0">Succeeded</option>
      <option value="2">Failed</option>
      <option value="1">Pending</option>
    </select>
  );
}

/** The headers of the columns `AttemptOutcomeCells` fills. */
export function AttemptOutcomeHeaders() {
  return (
    <>
      <th scope="col">When</th>
      <th scope="col">Status</th>
      <th scope="col">Response</th>
    </>
  );
}

/** When the attempt was made, how it ended, and the response's status code (or what went wrong). */
export function AttemptOutcomeCells({ attempt }: { attempt: Attempt }) {
  return (
    <>
      <td>
        <Time iso={attempt.timestamp} />
      </td>
      <td>
        <StatusBadge text={attempt.statusText} />
      </td>
      <td>{attempt.responseStatusCode || attempt.errorKind || "—"}</td>
    </>
  );
}
