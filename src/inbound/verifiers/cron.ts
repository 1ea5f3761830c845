import { Cron } from "croner";
import type { SourceVerifier } from "../verifier.ts";
import { configObject, stringProblem, type ConfigObject } from "./shared/config-checks.ts";

/**
 * A source that receives nothing: it emits `payload` on `schedule` (a cron expression, UTC) to
 * its destinations, like Svix Ingest's `cron` sources (CronConfig: schedule, payload,
 * contentType). inbound/cron-emitter.ts does the emitting; its ingest URL refuses every request.
 */
export interface CronConfig {
  schedule: string;
  payload: string;
  contentType?: string | null;
}

/** Larger payloads belong in a real event; this keeps a cron source's row and each message small. */
const MAX_CRON_PAYLOAD_BYTES = 256 * 1024;

/** The schedule, parsed; throws on an invalid expression. Croner's `nextRun(t)` is the first run strictly after t. */
export const cronSchedule = (schedule: string) => new Cron(schedule, { paused: true, timezone: "UTC" });

export const cronVerifier: SourceVerifier<CronConfig> = {
  type: "cron",
  validateConfig(config) {
    const object = configObject(config, ["schedule", "payload", "contentType"]);
    if (typeof object === "string") return object;
    return scheduleProblem(object) ?? payloadProblem(object) ?? contentTypeProblem(object);
  },
  verify: () => ({ ok: false, reason: "a cron source emits on its schedule and does not receive requests" }),
  signatureScope: () => "none",
  redact: (config) => ({ schedule: config.schedule, payload: config.payload, contentType: config.contentType ?? null }),
};

function scheduleProblem(config: ConfigObject): string | null {
  const problem = stringProblem(config, "schedule", { required: true });
  if (problem) return problem;
  try {
    // Six fields would mean seconds: a source firing every second is a load test, not a schedule.
    if (String(config.schedule).trim().split(/\s+/).length !== 5) {
      return 'config.schedule must have five fields (minute hour day-of-month month day-of-week), e.g. "*/5 * * * *"';
    }
    if (cronSchedule(String(config.schedule)).nextRun() === null) return "config.schedule never fires";
    return null;
  } catch (error) {
    return `config.schedule is not a valid cron expression: ${(error as Error).message}`;
  }
}

function payloadProblem(config: ConfigObject): string | null {
  if (typeof config.payload !== "string") return "config.payload is required and must be a string";
  if (Buffer.byteLength(config.payload) > MAX_CRON_PAYLOAD_BYTES) {
    return `config.payload is larger than ${MAX_CRON_PAYLOAD_BYTES} bytes`;
  }
  return null;
}

function contentTypeProblem(config: ConfigObject): string | null {
  if (config.contentType === null || config.contentType === undefined) return null;
  return stringProblem(config, "contentType", {
    pattern: /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[^\s]+/,
    patternText: "must be a media type, e.g. text/plain",
  });
}
