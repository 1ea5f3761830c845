import type { IngestLogEntry } from "../core/entities.ts";

/** The log entry of a redelivery that was acknowledged but not forwarded again (same in every dialect). */
export const duplicateLog = (log: IngestLogEntry, originalMsgId: string): IngestLogEntry => ({
  ...log,
  outcome: "duplicate",
  msgId: originalMsgId,
  errorText: `duplicate of ${originalMsgId}: acknowledged, not forwarded again`,
});
