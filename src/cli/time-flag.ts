import { flagString, type CommandContext } from "./command.ts";
import { usageError } from "./exit-codes.ts";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A time flag as ISO 8601: given as such, or as a duration back from now (`24h`). */
export function timeFlag(c: CommandContext, name: string): string {
  const value = flagString(c, name)!;
  const duration = /^(\d+)([smhd])$/.exec(value);
  if (duration) return new Date(Date.now() - Number(duration[1]) * UNIT_MS[duration[2]!]!).toISOString();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw usageError(`--${name} takes an ISO 8601 time or a duration such as 24h, not "${value}"`);
  return new Date(ms).toISOString();
}
