import { isIP } from "node:net";
import { hostname } from "node:os";
import path from "node:path";
import { AddressSet, MAX_INLINE_ENTRIES, parseAddressList } from "./access/address-set.ts";
import { didYouMean } from "./core/did-you-mean.ts";
import { parseAllowEntry } from "./delivery/ssrf/allow-list.ts";
import { parseFrameAncestors } from "./core/frame-ancestors.ts";
import { DatabaseAddressError, parseDatabaseAddress } from "./store/postgres/database-address.ts";

/**
 * Every HOOKLINE_* setting, parsed and validated once at start-up into one typed object.
 * A bad value stops the process with a message naming the variable, instead of surfacing
 * later as a confusing runtime error.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminToken: string | undefined;
  /** Seconds to wait before each retry; the first attempt is immediate. */
  retryScheduleSeconds: number[];
  requestTimeoutMs: number;
  logLevel: LogLevel;
  allowPrivateNetworks: string[];
  /** Origins that may frame the consumer portal (CSP frame-ancestors); empty means 'self' only. */
  portalFrameAncestors: string[];
  /**
   * Origins whose pages may call the API from a browser with a Bearer token (CORS), such as a
   * portal built on svix-react; `["*"]` for any; empty for none (docs/portal.md).
   */
  apiCorsOrigins: string[];
  /** An endpoint failing without a single success for this long is disabled. */
  endpointDisableAfterMs: number;
  maxBodyBytes: number;
  /** How long a worker may hold a claimed delivery before another process may take it over. */
  leaseMs: number;
  /** Deliveries in flight at once across all endpoints of this process. */
  workerConcurrency: number;
  /** Rows a background task handles per batch (docs/api.md, "Background tasks"). */
  taskBatchSize: number;
  /** Deliveries in flight at once to any single endpoint, so a slow one cannot take every slot. */
  endpointConcurrency: number;
  /** Grace period on SIGTERM for in-flight deliveries before their leases are released. */
  shutdownGraceMs: number;
  /** SQLite `synchronous` level: FULL survives power loss, NORMAL only a process crash. */
  sqliteSynchronous: "FULL" | "NORMAL";
  /** postgres://… selects the PostgreSQL store; null means the embedded SQLite store in dataDir. */
  databaseUrl: string | null;
  databasePoolSize: number;
  /** How long opening a database connection may take before the request fails with 503. */
  databaseConnectTimeoutMs: number;
  /** How long a query may wait for the database's answer before its connection is dropped (a 503). */
  databaseQueryTimeoutMs: number;
  /** What this process runs: the API, the delivery workers, or both. */
  role: Role;
  /** Message payloads and attempt contents older than this are purged (per message: payloadRetentionPeriod). */
  retentionDays: number;
  /** How often the retention job runs, once across the cluster. */
  retentionIntervalMs: number;
  /** The DNS name sent as WebHook-Request-Origin in the CloudEvents validation handshake. */
  webhookOrigin: string;
  /**
   * The base URL providers reach this server at (inbound sources' ingest URLs are built on it);
   * null derives it from each API request's Host header and protocol.
   */
  publicUrl: string | null;
  /** Reject (422) messages whose payload does not match their event type's JSON Schema. */
  validatePayloads: boolean;
  /** Refuse plain-http endpoint URLs when they are created or changed. */
  endpointHttpsOnly: boolean;
  /**
   * 32-byte key (base64 or hex) that encrypts secrets at rest; undefined means "generate one into
   * the data directory on first start".
   */
  masterKey: string | undefined;
  /** API requests per second allowed to one token (burst of one second's worth); 0 turns the limit off. */
  apiRateLimit: number;
  /** Requests per second one ingest source's URL accepts in this process (burst of one second's worth); 0: no limit. */
  ingestRateLimit: number;
  /** A second listener serving only GET /metrics, without authentication; null: /metrics only on the API port, behind an admin token. */
  metricsPort: number | null;
  /** Where the metrics listener binds (defaults to `host`). */
  metricsHost: string;
  /** Label delivery and message metrics with application and endpoint ids (opt-in: it multiplies the series). */
  metricsTenantLabels: boolean;
  /** Distinct application (and, separately, endpoint) label values before the rest are folded into `other`. */
  metricsTenantLimit: number;
  /** Proxies whose X-Forwarded-For / Forwarded name the client (src/access/client-address.ts); empty: trust none. */
  trustedProxies: string[];
  /** When set, the management API answers only clients in these ranges (ingest URLs are not affected). */
  apiAllowedIps: string[] | null;
}

export const ROLES = ["all", "api", "worker"] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

export class ConfigError extends Error {}

/** A master key must decode (base64 or hex) to exactly 32 bytes: AES-256 takes nothing else. */
export function decodeMasterKey(text: string): Buffer | null {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  return bytes.length === 32 ? bytes : null;
}

function checkMasterKey(value: string | undefined, fail: (why: string) => never): string | undefined {
  if (value === undefined) return undefined;
  if (!decodeMasterKey(value))
    fail("must be 32 bytes, as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)");
  return value;
}

/**
 * The settings, their environment names and their `serve` flag names, in one table. Everything that
 * lists settings derives from it: the known variables (main/environment-check.ts), the flags, and
 * the reference `hookline serve --help` prints (main/settings-reference.ts, which a test keeps complete).
 */
export const SETTINGS = {
  port: { env: "HOOKLINE_PORT", flag: "port" },
  host: { env: "HOOKLINE_HOST", flag: "host" },
  dataDir: { env: "HOOKLINE_DATA_DIR", flag: "data-dir" },
  adminToken: { env: "HOOKLINE_ADMIN_TOKEN", flag: "admin-token" },
  retrySchedule: { env: "HOOKLINE_RETRY_SCHEDULE", flag: "retry-schedule" },
  requestTimeout: { env: "HOOKLINE_REQUEST_TIMEOUT", flag: "request-timeout" },
  logLevel: { env: "HOOKLINE_LOG_LEVEL", flag: "log-level" },
  allowPrivateNetworks: { env: "HOOKLINE_ALLOW_PRIVATE_NETWORKS", flag: "allow-private-networks" },
  endpointDisableAfter: { env: "HOOKLINE_ENDPOINT_DISABLE_AFTER", flag: "endpoint-disable-after" },
  maxBodyBytes: { env: "HOOKLINE_MAX_BODY_BYTES", flag: "max-body-bytes" },
  workerConcurrency: { env: "HOOKLINE_WORKER_CONCURRENCY", flag: "worker-concurrency" },
  taskBatchSize: { env: "HOOKLINE_TASK_BATCH_SIZE", flag: "task-batch-size" },
  endpointConcurrency: { env: "HOOKLINE_ENDPOINT_CONCURRENCY", flag: "endpoint-concurrency" },
  shutdownGrace: { env: "HOOKLINE_SHUTDOWN_GRACE", flag: "shutdown-grace" },
  sqliteSynchronous: { env: "HOOKLINE_SQLITE_SYNCHRONOUS", flag: "sqlite-synchronous" },
  lease: { env: "HOOKLINE_LEASE", flag: "lease" },
  databaseUrl: { env: "HOOKLINE_DATABASE_URL", flag: "database-url" },
  role: { env: "HOOKLINE_ROLE", flag: "role" },
  databasePoolSize: { env: "HOOKLINE_DATABASE_POOL_SIZE", flag: "database-pool-size" },
  databaseConnectTimeout: { env: "HOOKLINE_DATABASE_CONNECT_TIMEOUT", flag: "database-connect-timeout" },
  databaseQueryTimeout: { env: "HOOKLINE_DATABASE_QUERY_TIMEOUT", flag: "database-query-timeout" },
  retentionDays: { env: "HOOKLINE_RETENTION_DAYS", flag: "retention-days" },
  retentionInterval: { env: "HOOKLINE_RETENTION_INTERVAL", flag: "retention-interval" },
  webhookOrigin: { env: "HOOKLINE_WEBHOOK_ORIGIN", flag: "webhook-origin" },
  publicUrl: { env: "HOOKLINE_PUBLIC_URL", flag: "public-url" },
  portalFrameAncestors: { env: "HOOKLINE_PORTAL_FRAME_ANCESTORS", flag: "portal-frame-ancestors" },
  apiCorsOrigins: { env: "HOOKLINE_API_CORS_ORIGINS", flag: "api-cors-origins" },
  validatePayloads: { env: "HOOKLINE_VALIDATE_PAYLOADS", flag: "validate-payloads" },
  endpointHttpsOnly: { env: "HOOKLINE_ENDPOINT_HTTPS_ONLY", flag: "endpoint-https-only" },
  masterKey: { env: "HOOKLINE_MASTER_KEY", flag: "master-key" },
  apiRateLimit: { env: "HOOKLINE_API_RATE_LIMIT", flag: "api-rate-limit" },
  ingestRateLimit: { env: "HOOKLINE_INGEST_RATE_LIMIT", flag: "ingest-rate-limit" },
  metricsPort: { env: "HOOKLINE_METRICS_PORT", flag: "metrics-port" },
  metricsHost: { env: "HOOKLINE_METRICS_HOST", flag: "metrics-host" },
  metricsTenantLabels: { env: "HOOKLINE_METRICS_TENANT_LABELS", flag: "metrics-tenant-labels" },
  metricsTenantLimit: { env: "HOOKLINE_METRICS_TENANT_LIMIT", flag: "metrics-tenant-limit" },
  trustedProxies: { env: "HOOKLINE_TRUSTED_PROXIES", flag: "trusted-proxies" },
  apiAllowedIps: { env: "HOOKLINE_API_ALLOWED_IPS", flag: "api-allowed-ips" },
} as const;

export type SettingName = keyof typeof SETTINGS;

/**
 * Parses `--name value` and `--name=value` flags; unknown flags are an error that suggests the
 * closest known one (among the settings' flags and `otherFlags`, a command's own).
 */
export function parseFlags(argv: string[], otherFlags: readonly string[] = []): Partial<Record<SettingName, string>> {
  const byFlag = new Map<string, SettingName>(
    Object.entries(SETTINGS).map(([name, s]) => [s.flag, name as SettingName]),
  );
  const out: Partial<Record<SettingName, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new ConfigError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const name = byFlag.get(flag);
    if (!name) {
      const known = [...byFlag.keys(), ...otherFlags.map((f) => f.replace(/^--/, ""))];
      throw new ConfigError(`unknown flag --${flag}${didYouMean(flag, known, (f) => `--${f}`)}`);
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new ConfigError(`flag --${flag} needs a value`);
    }
    out[name] = value;
  }
  return out;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  flags: Partial<Record<SettingName, string>> = {},
): Config {
  const raw = (name: SettingName): string | undefined => {
    const v = flags[name] ?? env[SETTINGS[name].env];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const fail = (name: SettingName, why: string): never => {
    throw new ConfigError(`${SETTINGS[name].env} (--${SETTINGS[name].flag}): ${why}`);
  };
  const integer = (name: SettingName, fallback: number, min: number, max: number): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v)) fail(name, `"${v}" is not a whole number`);
    const n = Number(v);
    if (n < min || n > max) fail(name, `${n} is outside ${min}..${max}`);
    return n;
  };
  const seconds = (name: SettingName, fallback: number, min: number, max: number): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) fail(name, `"${v}" is not a number of seconds`);
    if (n < min || n > max) fail(name, `${n} is outside ${min}..${max} seconds`);
    return n;
  };

  const boolean = (name: SettingName, fallback: boolean): boolean => {
    const v = raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (["true", "1", "yes", "on"].includes(v)) return true;
    if (["false", "0", "no", "off"].includes(v)) return false;
    return fail(name, `"${v}" is not true or false`);
  };

  const host = raw("host") ?? "127.0.0.1";
  if (isIP(host) === 0 && !/^[a-zA-Z0-9.-]+$/.test(host)) fail("host", `"${host}" is not an address or host name`);

  const schedule = raw("retrySchedule");
  let retryScheduleSeconds = DEFAULT_RETRY_SCHEDULE;
  if (schedule !== undefined) {
    retryScheduleSeconds = schedule.split(",").map((part) => {
      const p = part.trim();
      const n = Number(p);
      if (!/^\d+(\.\d+)?$/.test(p) || !Number.isFinite(n))
        fail("retrySchedule", `"${p}" is not a number of seconds (expected e.g. 5,300,1800)`);
      return n;
    });
    if (retryScheduleSeconds.length > 50) fail("retrySchedule", "at most 50 retries");
  }

  const logLevel = (raw("logLevel") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) fail("logLevel", `"${logLevel}" is not one of ${LOG_LEVELS.join(", ")}`);

  const allowPrivateNetworks = (raw("allowPrivateNetworks") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of allowPrivateNetworks) {
    try {
      parseAllowEntry(entry);
    } catch (error) {
      fail("allowPrivateNetworks", (error as Error).message);
    }
  }

  const frameAncestors = parseFrameAncestors(raw("portalFrameAncestors") ?? "");
  if (frameAncestors.invalid.length > 0)
    fail(
      "portalFrameAncestors",
      `${frameAncestors.invalid.map((e) => JSON.stringify(e)).join(", ")} is not an origin (https://app.example.com) or 'self'`,
    );

  const apiCorsOrigins = (raw("apiCorsOrigins") ?? "").split(/[\s,]+/).filter(Boolean);
  for (const origin of apiCorsOrigins)
    if (origin !== "*" && !/^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?$/i.test(origin))
      fail("apiCorsOrigins", `${JSON.stringify(origin)} is not an origin (https://app.example.com) or *`);

  const adminToken = raw("adminToken");
  if (adminToken !== undefined && adminToken.length < 16)
    fail("adminToken", "must be at least 16 characters so it cannot be guessed");

  const sqliteSynchronous = (raw("sqliteSynchronous") ?? "FULL").toUpperCase();
  if (sqliteSynchronous !== "FULL" && sqliteSynchronous !== "NORMAL")
    fail("sqliteSynchronous", `"${sqliteSynchronous}" is not FULL or NORMAL`);

  const databaseUrl = raw("databaseUrl") ?? null;
  if (databaseUrl !== null) {
    // The multi-host form (`postgres://db1,db2/hookline?target_session_attrs=read-write`) is no WHATWG URL.
    try {
      parseDatabaseAddress(databaseUrl);
    } catch (error) {
      if (!(error instanceof DatabaseAddressError)) throw error;
      fail(
        "databaseUrl",
        /postgres:\/\//.test(error.message)
          ? `${error.message} (leave it unset for the embedded SQLite store)`
          : error.message,
      );
    }
  }
  const role = (raw("role") ?? "all") as Role;
  if (!ROLES.includes(role)) fail("role", `"${role}" is not one of ${ROLES.join(", ")}`);

  const port = integer("port", 8080, 0, 65535);
  const metricsPort = raw("metricsPort") === undefined ? null : integer("metricsPort", 0, 0, 65535);
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port)
    fail("metricsPort", `${metricsPort} is the API port; choose another one (or leave it unset)`);
  const metricsHost = raw("metricsHost") ?? host;
  if (isIP(metricsHost) === 0 && !/^[a-zA-Z0-9.-]+$/.test(metricsHost))
    fail("metricsHost", `"${metricsHost}" is not an address or host name`);

  const addressList = (name: SettingName): string[] => {
    const entries = (raw(name) ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    if (entries.length > MAX_INLINE_ENTRIES) fail(name, `at most ${MAX_INLINE_ENTRIES} entries`);
    const parsed = parseAddressList(entries);
    if (!(parsed instanceof AddressSet)) fail(name, parsed.reason);
    return entries;
  };
  const trustedProxies = addressList("trustedProxies");
  const apiAllowedIps = raw("apiAllowedIps") === undefined ? null : addressList("apiAllowedIps");

  const requestTimeoutMs = Math.round(seconds("requestTimeout", 15, 0.05, 300) * 1000);
  const workerConcurrency = integer("workerConcurrency", 512, 1, 100_000);
  return {
    port,
    host,
    dataDir: path.resolve(raw("dataDir") ?? "./hookline-data"),
    adminToken,
    retryScheduleSeconds,
    requestTimeoutMs,
    logLevel,
    allowPrivateNetworks,
    portalFrameAncestors: frameAncestors.sources,
    apiCorsOrigins: apiCorsOrigins.map((o) => o.toLowerCase()),
    endpointDisableAfterMs: Math.round(seconds("endpointDisableAfter", 5 * 24 * 3600, 1, 365 * 24 * 3600) * 1000),
    maxBodyBytes: integer("maxBodyBytes", 1024 * 1024, 1024, 64 * 1024 * 1024),
    // Held leases are renewed every third of this, in flight or queued, so it need not outlast
    // a request; it bounds how long a dead process's work waits before another takes it over.
    leaseMs: Math.round(seconds("lease", 30, 1, 3600) * 1000),
    workerConcurrency,
    taskBatchSize: integer("taskBatchSize", 500, 1, 10_000),
    endpointConcurrency: integer("endpointConcurrency", Math.min(64, workerConcurrency), 1, 10_000),
    shutdownGraceMs: Math.round(seconds("shutdownGrace", 10, 0, 600) * 1000),
    sqliteSynchronous: sqliteSynchronous as Config["sqliteSynchronous"],
    databaseUrl,
    databasePoolSize: integer("databasePoolSize", 10, 1, 1000),
    databaseConnectTimeoutMs: Math.round(seconds("databaseConnectTimeout", 10, 0.1, 600) * 1000),
    databaseQueryTimeoutMs: Math.round(seconds("databaseQueryTimeout", 30, 1, 3600) * 1000),
    role,
    retentionDays: integer("retentionDays", 90, 1, 36_500),
    retentionIntervalMs: Math.round(seconds("retentionInterval", 60, 1, 86_400) * 1000),
    webhookOrigin: raw("webhookOrigin") ?? hostname(),
    publicUrl: publicUrlOf(raw("publicUrl"), (why) => fail("publicUrl", why)),
    validatePayloads: boolean("validatePayloads", false),
    endpointHttpsOnly: boolean("endpointHttpsOnly", false),
    masterKey: checkMasterKey(raw("masterKey"), (why) => fail("masterKey", why)),
    apiRateLimit: integer("apiRateLimit", 5000, 0, 1_000_000),
    ingestRateLimit: integer("ingestRateLimit", 1000, 0, 1_000_000),
    metricsPort,
    metricsHost,
    metricsTenantLabels: boolean("metricsTenantLabels", false),
    metricsTenantLimit: integer("metricsTenantLimit", 100, 1, 10_000),
    trustedProxies,
    apiAllowedIps,
  };
}

function publicUrlOf(value: string | undefined, fail: (why: string) => never): string | null {
  if (value === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return fail("must be an absolute http(s) URL, e.g. https://hooks.example.com");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") fail("must be an http or https URL");
  if (parsed.search || parsed.hash) fail("must not have a query or fragment");
  return value.replace(/\/+$/, "");
}
