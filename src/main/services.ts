import { ApplicationService } from "../core/applications/application-service.ts";
import { EventTypeService } from "../core/event-types/event-type-service.ts";
import { EndpointService } from "../core/endpoints/endpoint-service.ts";
import { OperationalEndpoints } from "../core/endpoints/operational-endpoints.ts";
import { announceEndpointChange } from "../core/operational-endpoint-changes.ts";
import { destinationRefusal } from "../delivery/ssrf/destination-check.ts";
import type { AppContext } from "./context.ts";

/** The core services of one process, each given only the ports it uses. */
export interface Services {
  applications: ApplicationService;
  eventTypes: EventTypeService;
  endpoints: EndpointService;
  operationalEndpoints: OperationalEndpoints;
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
    const endpoints = new EndpointService({
      endpoints: ctx.store.endpoints,
      clock: ctx.clock,
      directory: ctx.endpoints,
      urls: {
        httpsOnly: ctx.config.endpointHttpsOnly,
        now: () => ctx.clock.now(),
        inspector: (id) => ctx.store.inspectors.get(id),
        // The SSRF rule delivery applies, so an endpoint is refused a URL delivery would never reach.
        destinationRefusal: (url) => destinationRefusal(url, ctx.addressPolicy),
      },
      announce: (owner, before, after) => announceEndpointChange(ctx, owner, before, after),
    });
    services = {
      applications: new ApplicationService({
        applications: ctx.store.applications,
        clock: ctx.clock,
        directory: ctx.endpoints,
        isHidden: (appId) => ctx.operational?.isOperational(appId) ?? false,
      }),
      eventTypes: new EventTypeService({ eventTypes: ctx.store.eventTypes, clock: ctx.clock }),
      endpoints,
      // Where a context has no operational events (document generation) no request reaches these.
      operationalEndpoints: new OperationalEndpoints(endpoints, () => ctx.operational!.app.id(), {
        httpsOnly: ctx.config.endpointHttpsOnly,
        now: () => ctx.clock.now(),
      }),
    };
    built.set(ctx, services);
  }
  return services;
}
