import type { IngestLogEntry, IngestSource } from "../core/entities.ts";
import type { Sealer } from "../core/secret-box.ts";

/** The log entry of a redelivery that was acknowledged but not forwarded again (same in every dialect). */
export const duplicateLog = (log: IngestLogEntry, originalMsgId: string): IngestLogEntry => ({
  ...log,
  outcome: "duplicate",
  msgId: originalMsgId,
  errorText: `duplicate of ${originalMsgId}: acknowledged, not forwarded again`,
});

/**
 * A source's URL tokens as one sealed column: the current one and those still honoured after a
 * rotation (so a provider keeps reaching Hookline while its settings are updated).
 */
export function sealTokens(box: Sealer, source: Pick<IngestSource, "token" | "previousTokens">): string {
  return box.seal(JSON.stringify({ token: source.token, previous: source.previousTokens }));
}

export function openTokens(box: Sealer, sealed: string): Pick<IngestSource, "token" | "previousTokens"> {
  const { token, previous } = JSON.parse(box.open(sealed)) as {
    token: string;
    previous: IngestSource["previousTokens"];
  };
  return { token, previousTokens: previous };
}
