/**
 * Replay protection for schemes that sign a timestamp: a captured request stops verifying once its
 * timestamp is older than the tolerance. Both bounds are inclusive, as in the providers' own
 * libraries: at a tolerance of 300 s, 300 s old is accepted and 301 s old is refused.
 */

export interface TimestampRule {
  /** The header's name as the provider writes it, for the refusal's text. */
  headerName: string;
  toleranceSeconds: number;
  /**
   * Whether a timestamp too far in the future is refused as well. Standard Webhooks' libraries do
   * (5 minutes both ways); Stripe's and Slack's check only the age, so a sender whose clock runs
   * ahead is accepted there.
   */
  refuseFuture: boolean;
  /** Seconds unless the scheme sends milliseconds (configurable for the `hmac` type only). */
  unit?: "s" | "ms";
}

export type TimestampCheck = { ok: true; value: string } | { ok: false; reason: string };

/** At most 16 digits: beyond that the value is not a timestamp in any unit (and not exact as a double). */
const DIGITS = /^\d{1,16}$/;

/** Whether the value can be a timestamp at all; checked before the signature, whose input it is. */
export function timestampFormatProblem(value: string, rule: TimestampRule): string | null {
  if (DIGITS.test(value)) return null;
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  const what = (rule.unit ?? "s") === "s" ? "a Unix timestamp in seconds" : "a Unix timestamp in milliseconds";
  return `${rule.headerName} ${JSON.stringify(shown)} is not ${what}`;
}

export function checkTimestamp(value: string | undefined, rule: TimestampRule, nowMs: number): TimestampCheck {
  if (value === undefined) return { ok: false, reason: `missing ${rule.headerName} header` };
  const unit = rule.unit ?? "s";
  const malformed = timestampFormatProblem(value, rule);
  if (malformed !== null) return { ok: false, reason: malformed };
  const seconds = unit === "s" ? Number(value) : Math.floor(Number(value) / 1000);
  const now = Math.floor(nowMs / 1000);
  const tolerance = rule.toleranceSeconds;
  if (now - seconds > tolerance) {
    return { ok: false, reason: `timestamp ${now - seconds} s old; tolerance ${tolerance} s` };
  }
  if (rule.refuseFuture && seconds - now > tolerance) {
    return { ok: false, reason: `timestamp ${seconds - now} s in the future; tolerance ${tolerance} s` };
  }
  return { ok: true, value };
}
