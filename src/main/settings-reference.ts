import { loadConfig, SETTINGS, type SettingName } from "../config.ts";
import { TRACING_VARIABLES } from "../observability/tracing-settings.ts";

export interface SettingReference {
  /** The default as a person reads it. */
  default: string;
  meaning: string;
  /** A value one would really set. */
  example: string;
  /** Never printed: start-up shows "(hidden)". */
  secret?: boolean;
}

/**
 * What each setting of config.ts means, for `hookline serve --help` and docs/configuration.md. A
 * setting without an entry still works and is listed without its text; a test requires an entry
 * for every setting.
 */
export const SETTINGS_REFERENCE: Partial<Record<SettingName, SettingReference>> = {
  port: { default: "8080", meaning: "port the API listens on (0: any free port)", example: "9090" },
  host: {
    default: "127.0.0.1",
    meaning: "address to listen on; 0.0.0.0 (or ::) for every interface",
    example: "0.0.0.0",
  },
  dataDir: {
    default: "./hookline-data",
    meaning: "directory of the SQLite database, the generated admin token and the generated master key",
    example: "/var/lib/hookline",
  },
  adminToken: {
    default: "generated on first start into <data dir>/admin-token",
    meaning: "bootstrap admin API token, at least 16 characters; the same on every process of a cluster",
    example: "$(openssl rand -hex 32)",
    secret: true,
  },
  retrySchedule: {
    default: "5,300,1800,7200,18000,36000,36000",
    meaning: "seconds before each retry after the immediate first attempt (±20% jitter); at most 50",
    example: "10,60,600,3600",
  },
  requestTimeout: {
    default: "15",
    meaning: "seconds a delivery request may take before it counts as a timeout",
    example: "30",
  },
  logLevel: {
    default: "info",
    meaning: "log level: fatal, error, warn, info, debug, trace or silent",
    example: "warn",
  },
  allowPrivateNetworks: {
    default: "none",
    meaning:
      "comma-separated addresses or CIDRs, each optionally with :port ([v6]:port), that delivery may reach although loopback or private (SSRF protection); this process's own API port only when named exactly",
    example: "127.0.0.1:9000,10.20.0.0/16:443",
  },
  endpointDisableAfter: {
    default: "432000 (5 days)",
    meaning: "seconds of unbroken failure after which an endpoint is disabled",
    example: "86400",
  },
  maxBodyBytes: {
    default: "1048576 (1 MiB)",
    meaning: "largest API request body; larger ones get 413",
    example: "4194304",
  },
  workerConcurrency: {
    default: "512",
    meaning: "deliveries in flight at once in this process",
    example: "1024",
  },
  taskBatchSize: {
    default: "500",
    meaning:
      "messages a background task (replay, recover, expunge) handles per batch, each batch a short transaction followed by a pause",
    example: "1000",
  },
  endpointConcurrency: {
    default: "64 (or the worker concurrency, if lower)",
    meaning: "deliveries in flight at once to one endpoint",
    example: "16",
  },
  shutdownGrace: {
    default: "10",
    meaning: "seconds in-flight deliveries get to finish on SIGTERM before their leases are released",
    example: "30",
  },
  sqliteSynchronous: {
    default: "FULL",
    meaning: "SQLite durability: FULL survives power loss, NORMAL only a process crash",
    example: "NORMAL",
  },
  lease: {
    default: "30",
    meaning: "seconds a claimed delivery stays reserved to a process that stopped renewing it",
    example: "60",
  },
  databaseUrl: {
    default: "none (the embedded SQLite store in the data directory)",
    meaning:
      "PostgreSQL database shared by every process of a cluster (its password is never printed); several host:port separated by commas with ?target_session_attrs=read-write follow a failover",
    example: "postgres://hookline:secret@db.internal:5432/hookline",
  },
  role: {
    default: "all",
    meaning: "what this process runs: all (API and delivery), api (accepts, delivers nothing) or worker",
    example: "worker",
  },
  databasePoolSize: {
    default: "10",
    meaning: "PostgreSQL connections per process (one more is opened for LISTEN)",
    example: "20",
  },
  databaseConnectTimeout: {
    default: "10",
    meaning: "seconds opening a database connection may take; past it a request gets 503 store_unavailable",
    example: "5",
  },
  databaseQueryTimeout: {
    default: "30",
    meaning:
      "seconds a query may wait for the database's answer (a silent server, a partition); past it the connection is dropped and a request gets 503 store_unavailable",
    example: "15",
  },
  retentionDays: {
    default: "90",
    meaning: "days messages and attempts are kept; on PostgreSQL also sets the partition window (an eighth)",
    example: "30",
  },
  retentionInterval: {
    default: "60",
    meaning: "seconds between retention passes (one process of the cluster runs each)",
    example: "300",
  },
  webhookOrigin: {
    default: "this machine's host name",
    meaning: "DNS name sent as WebHook-Request-Origin in the CloudEvents validation handshake",
    example: "hooks.example.com",
  },
  publicUrl: {
    default: "derived from each request's Host header",
    meaning: "base URL providers reach this server at; inbound ingestUrls are built on it",
    example: "https://hooks.example.com",
  },
  portalFrameAncestors: {
    default: "'self' only",
    meaning:
      "origins (space- or comma-separated) whose pages may embed the consumer portal in an iframe; an application's metadata key hookline.portal.frameAncestors overrides it (docs/portal.md)",
    example: "https://app.example.com https://*.example.org",
  },
  apiCorsOrigins: {
    default: "none",
    meaning:
      "origins (space- or comma-separated, or *) whose pages may call the API from a browser with a Bearer token (CORS), e.g. a portal built on svix-react; never with cookies (docs/portal.md)",
    example: "https://app.example.com",
  },
  validatePayloads: {
    default: "false",
    meaning: "refuse (422) messages whose payload does not match their event type's JSON Schema",
    example: "true",
  },
  endpointHttpsOnly: {
    default: "false",
    meaning: "refuse plain-http endpoint URLs when endpoints are created or changed",
    example: "true",
  },
  masterKey: {
    default: "generated on first start into <data dir>/master-key",
    meaning: "32-byte key, base64 or hex, that encrypts endpoint secrets at rest; the same on every process",
    example: "$(openssl rand -base64 32)",
    secret: true,
  },
  apiRateLimit: {
    default: "5000",
    meaning: "API requests per second one token may make (429 beyond; 0: no limit)",
    example: "100",
  },
  ingestRateLimit: {
    default: "1000",
    meaning: "requests per second one inbound source's URL accepts in this process (429 beyond; 0: no limit)",
    example: "200",
  },
  metricsPort: {
    default: "none: /metrics only on the API port, behind an admin token",
    meaning: "a second listener serving only GET /metrics, without authentication (keep it off public networks)",
    example: "9464",
  },
  metricsHost: {
    default: "the API's host",
    meaning: "address the metrics listener binds to",
    example: "0.0.0.0",
  },
  metricsTenantLabels: {
    default: "false",
    meaning: "label delivery and message metrics with application and endpoint ids (multiplies the series)",
    example: "true",
  },
  metricsTenantLimit: {
    default: "100",
    meaning: "distinct application (and endpoint) label values before the rest count as `other` (1-10000)",
    example: "500",
  },
  trustedProxies: {
    default: "none",
    meaning:
      "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For (else Forwarded) names the client; every address Hookline records or checks is the client found this way; at most 1000 entries",
    example: "10.0.0.0/8,fd00::/8",
  },
  apiAllowedIps: {
    default: "none (any address)",
    meaning:
      "comma-separated addresses or CIDRs the management API answers (403 to others); ingest URLs and health checks are not affected; at most 1000 entries",
    example: "10.0.0.0/8,192.0.2.15",
  },
};

export const settingNames = () => Object.keys(SETTINGS) as SettingName[];

/** The OpenTelemetry variables tracing reads, for `hookline serve --help` (no flags: they are OTel's). */
export function tracingReference(): string {
  return TRACING_VARIABLES.map((v) =>
    [`  ${v.name}`, `      ${v.meaning}`, `      default: ${v.default}    example: ${v.name}=${v.example}`].join("\n"),
  ).join("\n");
}

/** Every setting with its variable, flag, default, meaning and example: `hookline serve --help`. */
export function configurationReference(): string {
  return settingNames()
    .map((name) => {
      const s = SETTINGS[name];
      const ref = SETTINGS_REFERENCE[name];
      const lines = [`  ${s.env}  (--${s.flag})`];
      if (ref) {
        lines.push(`      ${ref.meaning}`);
        lines.push(`      default: ${ref.default}    example: ${s.env}=${ref.example}`);
      }
      return lines.join("\n");
    })
    .join("\n");
}

export interface EffectiveSetting {
  env: string;
  flag: string;
  /** The value as given, or "(hidden)" for a secret; a database URL without its password. */
  value: string;
}

/**
 * The settings given (environment or flag) whose value changes the configuration from what it is
 * with nothing set, for the start-up log: a setting given at its default value is not listed.
 * Assumes the configuration as a whole already loaded, so each value on its own is valid.
 */
export function nonDefaultSettings(
  env: NodeJS.ProcessEnv,
  flags: Partial<Record<SettingName, string>>,
): EffectiveSetting[] {
  const defaults = JSON.stringify(loadConfig({}, {}));
  const out: EffectiveSetting[] = [];
  for (const name of settingNames()) {
    const s = SETTINGS[name];
    const given = flags[name] ?? env[s.env];
    if (given === undefined || given.trim() === "") continue;
    let differs: boolean;
    try {
      differs = JSON.stringify(loadConfig({}, { [name]: given })) !== defaults;
    } catch {
      differs = true;
    }
    if (!differs) continue;
    out.push({ env: s.env, flag: s.flag, value: shownSettingValue(name, given.trim()) });
  }
  return out;
}

/** A value as start-up and the effective configuration show it: secrets hidden, a database URL's password starred. */
export function shownSettingValue(name: SettingName, value: string): string {
  if (SETTINGS_REFERENCE[name]?.secret) return "(hidden)";
  if (name === "databaseUrl") {
    try {
      const url = new URL(value);
      if (url.password) url.password = "***";
      return url.toString();
    } catch {
      return "(hidden)";
    }
  }
  return value;
}

/** Flag lines for a command's help: `--data-dir DIR   meaning; default: …` with the variable beside it. */
export function settingLines(names: SettingName[]): string {
  return names
    .map((name) => {
      const s = SETTINGS[name];
      const ref = SETTINGS_REFERENCE[name];
      const head = `  --${s.flag} (${s.env})`;
      return ref ? `${head}\n      ${ref.meaning}\n      default: ${ref.default}` : head;
    })
    .join("\n");
}

/** docs/configuration.md: the same reference as `hookline serve --help`, as a Markdown table. */
export function configurationMarkdown(): string {
  // `<data dir>` would read as an HTML tag.
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/</g, "&lt;");
  const rows = settingNames().map((name) => {
    const s = SETTINGS[name];
    const ref = SETTINGS_REFERENCE[name];
    return `| \`${s.env}\` | \`--${s.flag}\` | ${cell(ref?.default ?? "")} | ${cell(ref?.meaning ?? "")} | \`${cell(ref?.example ?? "")}\` |`;
  });
  return [
    "# Configuration",
    "",
    "Every setting of `hookline serve`, as `hookline serve --help` prints it. Each is an environment variable and a",
    "flag of the same name (`HOOKLINE_PORT=9090` or `--port 9090`; a flag wins over the variable). Values are checked at",
    "start-up: a bad one stops the process with exit code 2 and a message naming it. An unknown `HOOKLINE_*` variable",
    "is warned about with the closest known name, and an unknown flag is refused the same way. At start-up the log",
    "record `hookline starting` lists the version and the settings that differ from their defaults, secrets hidden.",
    "",
    "This file is generated from `src/main/settings-reference.ts` by `npm run config-docs`; a test checks it is current.",
    "",
    "| variable | flag | default | meaning | example |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "## Tracing (OpenTelemetry variables)",
    "",
    "Tracing is configured by OpenTelemetry's standard `OTEL_*` variables, as for any traced service, and is off unless",
    "an OTLP endpoint or `OTEL_TRACES_EXPORTER` is set; docs/operations.md (Tracing) describes the spans. These are",
    "environment variables only (no flags), never warned about as unknown, and a value that cannot be used is warned",
    "about at start-up and its default taken, as the OpenTelemetry specification asks.",
    "",
    "| variable | default | meaning | example |",
    "| --- | --- | --- | --- |",
    ...TRACING_VARIABLES.map(
      (v) => `| \`${v.name}\` | ${cell(v.default)} | ${cell(v.meaning)} | \`${cell(v.example)}\` |`,
    ),
    "",
  ].join("\n");
}
