import { IpListService } from "../access/ip-list-service.ts";
import { networkAccess } from "../access/network-access.ts";
import { AlertRuleService } from "../core/alert-rules/alert-rule-service.ts";
import { announceWork } from "../core/announce-work.ts";
import { ApplicationService } from "../core/applications/application-service.ts";
import type { TaskCreationPorts } from "../core/background-tasks/create-task.ts";
import type { TaskRunnerPorts } from "../core/background-tasks/task-runner.ts";
import type { MessageCreationPorts } from "../core/create-message.ts";
import { InspectorService } from "../core/inspector-service.ts";
import { IntegrationService } from "../core/integration-service.ts";
import type { MessageResendPorts } from "../core/message-resend.ts";
import { EventTypeService } from "../core/event-types/event-type-service.ts";
import { EndpointService } from "../core/endpoints/endpoint-service.ts";
import { OperationalEndpoints } from "../core/endpoints/operational-endpoints.ts";
import { announceEndpointChange } from "../core/operational-endpoint-changes.ts";
import type { PollingStreamPorts } from "../core/polling-stream.ts";
import { destinationRefusal } from "../delivery/ssrf/destination-check.ts";
import type { CronPorts } from "../inbound/cron-emitter.ts";
import type { AppContext } from "./context.ts";

/** The core services of one process, and the ports of its core functions, each given only what it uses. */
export interface Services {
  applications: ApplicationService;
  eventTypes: EventTypeService;
  endpoints: EndpointService;
  operationalEndpoints: OperationalEndpoints;
  /** Wakes this process's worker and every other process's (core/announce-work.ts). */
  announceWork(): Promise<void>;
  /** Accepting a message and routing one (core/create-message.ts); operational events send through it too. */
  messageCreation: MessageCreationPorts;
  /** Receiving inbound requests and emitting cron events (src/inbound/). */
  inbound: CronPorts;
  /** Sending a stored message again (core/message-resend.ts). */
  messageResend: MessageResendPorts;
  /** Alert rules (core/alert-rules/alert-rule-service.ts). */
  alertRules: AlertRuleService;
  /** The request inspectors of applications (core/inspector-service.ts). */
  inspectors: InspectorService;
  /** Integrations and their keys (core/integration-service.ts). */
  integrations: IntegrationService;
  /** Named address lists (access/ip-list-service.ts). */
  ipLists: IpListService;
  /** Polling endpoints' streams (core/polling-stream.ts). */
  pollingStreams: PollingStreamPorts;
  /** Starting a background task (core/background-tasks/create-task.ts). */
  taskCreation: TaskCreationPorts;
  /** What this process's task runner uses (core/background-tasks/task-runner.ts). */
  taskRunner: TaskRunnerPorts;
}

const built = new WeakMap<AppContext, Services>();

/**
 * The services wired to a process's context, built on first use and kept with it, so every
 * context (a server, the OpenAPI generator's, a benchmark's) gets the same wiring and the routes,
 * the configuration import and `hookline listen` share one instance.
 */
export function servicesOf(ctx: AppContext): Services {
  let services = built.get(ctx);
  if (!services) {
    services = buildServices(ctx);
    built.set(ctx, services);
  }
  return services;
}

function buildServices(ctx: AppContext): Services {
  const { store, clock, log } = ctx;
  const endpoints = new EndpointService({
    endpoints: store.endpoints,
    clock,
    directory: ctx.endpoints,
    urls: {
      httpsOnly: ctx.config.endpointHttpsOnly,
      now: () => clock.now(),
      inspector: (id) => store.inspectors.get(id),
      // The SSRF rule delivery applies, so an endpoint is refused a URL delivery would never reach.
      destinationRefusal: (url) => destinationRefusal(url, ctx.addressPolicy),
    },
    announce: (owner, before, after) =>
      announceEndpointChange({ store, events: ctx.operational, alerts: ctx.alerts }, owner, before, after),
  });
  // The dispatcher is the work hand-off (core/work-hand-off.ts); an API-only process has none.
  const worker = ctx.dispatcher;
  const announce = () => announceWork({ worker, coordination: store.coordination, log });
  // The operational application is hidden from tenants: no route lists it or lets a rule name it.
  const isHidden = (appId: string) => ctx.operational?.isOperational(appId) ?? false;
  const planning = { directory: ctx.endpoints, worker, announceWork: announce };
  return {
    applications: new ApplicationService({
      applications: store.applications,
      clock,
      directory: ctx.endpoints,
      isHidden,
    }),
    eventTypes: new EventTypeService({ eventTypes: store.eventTypes, clock }),
    endpoints,
    // Where a context has no operational events (document generation) no request reaches these.
    operationalEndpoints: new OperationalEndpoints(endpoints, () => ctx.operational!.app.id(), {
      httpsOnly: ctx.config.endpointHttpsOnly,
      now: () => clock.now(),
    }),
    announceWork: announce,
    messageCreation: { ...planning, messages: store.messages, clock, tracing: ctx.tracing, metrics: ctx.metrics },
    inbound: { ...planning, ingest: store.ingest, tracing: ctx.tracing, metrics: ctx.metrics },
    messageResend: { deliveries: store.deliveries, clock, announceWork: announce },
    alertRules: new AlertRuleService({
      alerts: store.alerts,
      applications: store.applications,
      endpoints: store.endpoints,
      clock,
      isHidden,
      refresh: async () => {
        await ctx.alerts?.refresh();
      },
    }),
    inspectors: new InspectorService({ inspectors: store.inspectors, clock }),
    integrations: new IntegrationService({ integrations: store.integrations, clock }),
    ipLists: new IpListService({
      ipLists: store.ipLists,
      sources: store.ingest,
      tokens: store.tokens,
      clock,
      forget: (name) => networkAccess(ctx).rules.forget(name),
    }),
    pollingStreams: { pollers: store.pollers, clock },
    taskCreation: {
      backgroundTasks: store.backgroundTasks,
      clock,
      leaseMs: ctx.config.leaseMs,
      // Read when a task starts: the runner is made after the context (main/hookline.ts).
      runner: () => ctx.tasks ?? null,
    },
    taskRunner: {
      backgroundTasks: store.backgroundTasks,
      clock,
      log,
      tasks: { store, clock, announceWork: announce },
      events: ctx.operational,
      sendsIdle: worker ? (maxMs) => worker.pendingSends.whenIdle(maxMs) : undefined,
    },
  };
}
