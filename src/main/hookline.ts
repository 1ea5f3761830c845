import { effectiveConfiguration, type SettingsGiven } from "./effective-configuration.ts";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { hashToken } from "../api/auth.ts";
import { buildHttpServer } from "../api/http-server.ts";
import { IDEMPOTENCY_TTL_MS } from "../api/idempotency.ts";
import type { Config } from "../config.ts";
import { systemClock, type Clock } from "../core/clock.ts";
import { EndpointDirectory } from "../core/endpoint-directory.ts";
import type { Sealer } from "../core/secret-box.ts";
import { Dispatcher } from "../delivery/dispatcher.ts";
import { inspectorDelivery } from "../delivery/inspector-delivery.ts";
import { HttpSender } from "../delivery/http-sender.ts";
import { ListenSessions } from "../delivery/listen-sessions.ts";
import { AddressPolicy } from "../delivery/ssrf/address-policy.ts";
import { PostgresStore } from "../store/postgres/postgres-store.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/store.ts";
import { resolveAdminToken } from "./admin-token.ts";
import type { AppContext } from "./context.ts";
import { VERSION } from "./version.ts";
import { checkMasterKey, resolveMasterKey } from "./master-key.ts";
import { prepareDataDir } from "./data-dir.ts";
import { CRON_INTERVAL_MS, emitDueCronEvents } from "../inbound/cron-emitter.ts";
import { startHousekeeping, type PeriodicJob } from "./housekeeping.ts";
import { retentionForStore } from "./retention-for-store.ts";
import { runRetention } from "../retention/run-retention.ts";
import type { RetentionStrategy } from "../retention/retention-strategy.ts";
import { AttemptLog } from "../observability/attempt-log.ts";
import { allOf } from "../observability/delivery-observer.ts";
import { OperationalApp } from "../core/operational-app.ts";
import { OperationalEvents } from "../core/operational-events.ts";
import { AlertEngine } from "../observability/alert-rules/alert-engine.ts";
import { OperationalObserver } from "../observability/operational-observer.ts";
import { DeliveryMetrics } from "../observability/delivery-metrics.ts";
import { startMetricsListener } from "../observability/http-metrics.ts";
import { HooklineMetrics } from "../observability/metrics.ts";
import { registerQueueMetrics } from "../observability/queue-metrics.ts";
import { instrumentStore } from "../observability/store-metrics.ts";
import { instrumentRetention } from "../observability/retention-metrics.ts";
import { startTracing } from "../observability/tracing.ts";
import { localInterfaceAddresses } from "./local-addresses.ts";
import { useSandboxLogger } from "../sandbox/shared-pool.ts";
import { BackgroundTaskRunner, type TaskRunnerOptions } from "../core/background-tasks/task-runner.ts";

export interface Hookline {
  ctx: AppContext;
  http: FastifyInstance;
  /** Null in an API-only process (HOOKLINE_ROLE=api). */
  dispatcher: Dispatcher | null;
  /** The address the API listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The unauthenticated metrics listener's URL (…/metrics) when HOOKLINE_METRICS_PORT is set. */
  metricsUrl: string | null;
  /** The store's dialect's retention, which the periodic "retention" job runs (tests run passes with it too). */
  retention: RetentionStrategy;
  adminToken: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Overrides the worker's poll interval (tests drive polling by hand). */
  pollIntervalMs?: number;
  /** Called once with a newly generated admin token, so the CLI can print it. */
  onGeneratedToken?: (token: string, file: string) => void;
  /**
   * Periodic jobs (by name) this process leaves to others: a test that runs retention passes
   * itself must not have the process's own pass remove the same rows halfway through.
   */
  withoutJobs?: readonly string[];
  /** Tests hold background tasks between batches with this (see BackgroundTaskRunner). */
  beforeTaskBatch?: TaskRunnerOptions["beforeBatch"];
  /** Where the OTEL_* tracing variables are read (default: process.env); tests pass their own. */
  tracingEnv?: NodeJS.ProcessEnv;
  /** Where `config` was read, for the effective configuration (default: process.env, no flags). */
  settingsGiven?: SettingsGiven;
}

export async function openStore(config: Config, log: Logger, box: Sealer): Promise<Store> {
  if (config.databaseUrl === null)
    return SqliteStore.open(config.dataDir, { synchronous: config.sqliteSynchronous, box });
  return PostgresStore.open(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
    box,
    retentionDays: config.retentionDays,
    onIdleError: (error) => log.warn({ err: error }, "idle database connection failed; it will be replaced"),
  });
}

/** Rows per purge batch: a few milliseconds of work each. */
const INGEST_PURGE_BATCH = 500;
/** Idempotency keys are purged hourly, once across the whole cluster. */
const IDEMPOTENCY_PURGE_INTERVAL_MS = 3_600_000;
/** How often the window alert rules are evaluated. */
const ALERT_RULES_INTERVAL_MS = 60_000;
/** How long shutdown waits for operational events still queued. */
const OPERATIONAL_DRAIN_MS = 2_000;
/**
 * A retention batch waits for a moment when no delivery is about to be sent, but at most this
 * long: a worker at full speed always has one, and the purge must still keep up with the growth.
 */
const RETENTION_MAX_DEFER_MS = 50;
/** During a retention pass a group commit waits at most this long for pending sends (each commit blocks the loop ~1 ms). */
const COMMIT_MAX_DEFER_MS = 2;

/**
 * The composition root: builds the store, the worker and the API for one process according to
 * its role, and starts them. `all` (the default) runs both; `api` only accepts and serves; `worker`
 * only delivers (and answers health checks).
 */
export async function startHookline(config: Config, options: StartOptions = {}): Promise<Hookline> {
  const log = options.logger ?? pino({ level: config.logLevel, base: undefined });
  const clock = options.clock ?? systemClock;
  prepareDataDir(config.dataDir, log);
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.generated && admin.file) options.onGeneratedToken?.(admin.token, admin.file);

  const box = resolveMasterKey(config.masterKey, config.dataDir);
  const store = await openStore(config, log, box);
  try {
    await checkMasterKey(store, box);
    // Headers written before they were sealed are sealed now that the key is known (a migration cannot).
    const sealed = await store.endpoints.sealPlaintextHeaders();
    if (sealed > 0) log.info({ endpoints: sealed }, "sealed endpoint headers stored in the clear");
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = new HooklineMetrics(config, {
    version: VERSION,
    role: config.role,
    store: config.databaseUrl ? "postgres" : "sqlite",
  });
  instrumentStore(store, metrics);
  const retention = retentionForStore(store);
  instrumentRetention(retention, metrics);
  // Off unless the OTEL_* variables ask for spans; only then is OpenTelemetry's SDK loaded.
  const tracing = await startTracing(options.tracingEnv ?? process.env, log, VERSION);
  const runsWorker = config.role !== "api";
  // One SSRF rule per process: delivery applies it, and the API judges endpoint URLs by it as they are set.
  const addressPolicy = new AddressPolicy(config.allowPrivateNetworks);
  // `hookline listen` sockets need the worker that delivers to them in the same process.
  const listenSessions = runsWorker ? new ListenSessions(config.requestTimeoutMs, log) : null;
  const sender = runsWorker
    ? new HttpSender(config.requestTimeoutMs, config.endpointConcurrency, {
        policy: addressPolicy,
        localDelivery: [
          inspectorDelivery(store, clock),
          (url, headers, body, method, about) => listenSessions!.deliver(url, headers, body, method, about),
        ],
      })
    : null;
  const endpoints = new EndpointDirectory(store);
  // Operational webhooks are messages of a hidden application; it must exist before any delivery is observed.
  const operational = new OperationalEvents(new OperationalApp(store, clock), log);
  const alerts = new AlertEngine(store, clock, operational, log);
  try {
    await operational.app.id();
    await alerts.refresh();
  } catch (error) {
    await store.close();
    throw error;
  }
  const dispatcher = sender
    ? new Dispatcher(
        store,
        sender,
        clock,
        {
          leaseMs: config.leaseMs,
          workerConcurrency: config.workerConcurrency,
          endpointConcurrency: config.endpointConcurrency,
          retryScheduleSeconds: config.retryScheduleSeconds,
          endpointDisableAfterMs: config.endpointDisableAfterMs,
          webhookOrigin: config.webhookOrigin,
          pollIntervalMs: options.pollIntervalMs,
          observer: allOf(
            [new DeliveryMetrics(metrics), new AttemptLog(log), new OperationalObserver(store, operational, alerts)],
            (error) => log.error({ err: error }, "a delivery observer failed"),
          ),
          tracing,
        },
        log,
        endpoints,
      )
    : null;
  const ctx: AppContext = {
    config,
    store,
    clock,
    log,
    endpoints,
    dispatcher,
    listenSessions,
    adminTokenHash: hashToken(admin.token),
    metrics,
    tracing,
    operational,
    alerts,
    addressPolicy,
    configuration: effectiveConfiguration(options.settingsGiven ?? { env: process.env, flags: {} }),
  };
  operational.start(ctx);
  // Background tasks run where deliveries do: an API-only process leaves the ones it creates to workers.
  const tasks = runsWorker
    ? new BackgroundTaskRunner(ctx, {
        leaseMs: config.leaseMs,
        batchSize: config.taskBatchSize,
        beforeBatch: options.beforeTaskBatch,
      })
    : null;
  ctx.tasks = tasks;
  registerQueueMetrics(metrics, store, clock, dispatcher, (error) =>
    log.warn({ err: error }, "reading the delivery backlog for metrics failed"),
  );
  // Expressions are evaluated in sandbox processes (src/sandbox/), started on the first evaluation:
  // a process whose endpoints use no filter or transformation never pays for them.
  useSandboxLogger(log);
  const http = await buildHttpServer(ctx, { api: config.role !== "worker" });
  await http.listen({ port: config.port, host: config.host });
  const address = http.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  // Before the worker starts: an allow-listed range must not reach this process's own API.
  addressPolicy.protectListener({ host: config.host, port, localAddresses: localInterfaceAddresses() });
  const metricsListener =
    config.metricsPort === null
      ? null
      : await startMetricsListener(metrics, config.metricsPort, config.metricsHost, (error) =>
          log.error({ err: error }, "collecting metrics failed"),
        ).catch(async (error: unknown) => {
          await http.close();
          await store.close();
          throw error;
        });
  // The metrics listener needs no token: it is as closed to tenants' endpoints as the API.
  if (metricsListener)
    addressPolicy.protectListener({
      host: config.metricsHost,
      port: Number(new URL(metricsListener.url).port),
      localAddresses: localInterfaceAddresses(),
    });

  let stopWatching: () => Promise<void> = async () => {};
  if (dispatcher) {
    dispatcher.onEndpointDisabled = (appId) => ctx.endpoints.invalidate(appId);
    dispatcher.start();
    stopWatching = await store.coordination.watchForWork(() => dispatcher.wake());
  }
  tasks?.start();

  let stopping = false;
  const periodicJobs: PeriodicJob[] = [
    {
      name: "retention",
      intervalMs: config.retentionIntervalMs,
      run: async () => {
        const removed = await runRetention(retention, clock, {
          retentionDays: config.retentionDays,
          shouldStop: () => stopping,
          beforeBatch: dispatcher ? () => dispatcher.pendingSends.whenIdle(RETENTION_MAX_DEFER_MS) : undefined,
          commitGate: dispatcher ? () => dispatcher.pendingSends.whenIdle(COMMIT_MAX_DEFER_MS) : undefined,
        });
        if (removed > 0) log.info({ removed }, "retention purged expired data");
      },
    },
    {
      // Idempotency keys only need to outlive a client's retries.
      name: "idempotency-purge",
      intervalMs: IDEMPOTENCY_PURGE_INTERVAL_MS,
      run: async () => {
        while ((await store.idempotency.purge(clock.now() - IDEMPOTENCY_TTL_MS)) > 0 && !stopping);
      },
    },
    {
      name: "ingest-cron",
      intervalMs: CRON_INTERVAL_MS,
      run: async () => {
        const emitted = await emitDueCronEvents(ctx, clock.now());
        if (emitted > 0) log.debug({ emitted }, "cron sources emitted");
      },
    },
    {
      // Failure-rate and backlog-age alert rules (docs/operations.md, "Alert rules"), once a minute across the cluster.
      name: "alert-rules",
      intervalMs: ALERT_RULES_INTERVAL_MS,
      run: () => alerts.evaluateWindows(),
    },
    {
      // Inbound de-duplication claims past their window, and inbound log entries past the retention period.
      name: "ingest-purge",
      intervalMs: config.retentionIntervalMs,
      run: async () => {
        const cutoff = () => clock.now() - config.retentionDays * 24 * 3_600_000;
        while ((await store.ingest.purge(clock.now(), cutoff(), INGEST_PURGE_BATCH)) > 0 && !stopping) {
          // A pause between batches, so inbound requests queued behind one are not held up by the next.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
    },
  ];
  const stopHousekeeping = startHousekeeping(
    store,
    clock,
    log,
    periodicJobs.filter((job) => !options.withoutJobs?.includes(job.name)),
  );

  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  log.info(
    { url, role: config.role, store: config.databaseUrl ? "postgres" : "sqlite", dataDir: config.dataDir },
    "hookline listening",
  );
  if (metricsListener) log.info({ url: metricsListener.url }, "metrics listening");

  let stopped: Promise<void> | null = null;
  return {
    ctx,
    http,
    dispatcher,
    url,
    metricsUrl: metricsListener?.url ?? null,
    retention,
    adminToken: admin.token,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        listenSessions?.close();
        await http.close();
        await metricsListener?.close();
        await stopHousekeeping();
        await tasks?.stop();
        await stopWatching();
        await dispatcher?.stop(config.shutdownGraceMs);
        await operational.close(OPERATIONAL_DRAIN_MS);
        await sender?.close();
        await store.close();
        // Last: the spans of the deliveries that finished during the grace period are exported too.
        await tracing.shutdown();
      })();
      return stopped;
    },
  };
}
