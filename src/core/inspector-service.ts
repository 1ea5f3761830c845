import type { InspectedRequest, Inspector, InspectorRepository } from "../store/store.ts";
import type { Clock } from "./clock.ts";
import { ApiError, notFound } from "./errors.ts";
import { INSPECTOR_LIMITS, isLive, newInspector } from "./inspector.ts";

/** What the inspector service uses; wired by src/main/services.ts. */
export interface InspectorServicePorts {
  inspectors: InspectorRepository;
  clock: Clock;
}

/**
 * An application's inspectors (core/inspector.ts): at most INSPECTOR_LIMITS.perApplication live at
 * once, and one that expired is as good as gone.
 */
export class InspectorService {
  constructor(private readonly ports: InspectorServicePorts) {}

  /** Creates one, its URL under `publicBase`; a 409 when the application has as many as it may. */
  async create(appId: string, publicBase: string): Promise<Inspector> {
    const now = this.ports.clock.now();
    // Expired inspectors (every application's) are deleted here: creation is when space is needed.
    await this.ports.inspectors.deleteExpired(now);
    const live = await this.ports.inspectors.listLive(appId, now);
    if (live.length >= INSPECTOR_LIMITS.perApplication) {
      throw new ApiError(
        409,
        "inspector_limit",
        `an application may have ${INSPECTOR_LIMITS.perApplication} inspectors at a time: delete one first`,
      );
    }
    const inspector = newInspector(appId, publicBase, now);
    await this.ports.inspectors.insert(inspector);
    return inspector;
  }

  listLive(appId: string): Promise<Inspector[]> {
    return this.ports.inspectors.listLive(appId, this.ports.clock.now());
  }

  /** The application's live inspector; a 404 otherwise. */
  async get(appId: string, inspectorId: string): Promise<Inspector> {
    const inspector = await this.ports.inspectors.get(inspectorId);
    if (!inspector || inspector.appId !== appId || !isLive(inspector, this.ports.clock.now()))
      throw notFound("inspector");
    return inspector;
  }

  /** What it received, the newest INSPECTOR_LIMITS.requestsKept. */
  requests(inspector: Inspector): Promise<InspectedRequest[]> {
    return this.ports.inspectors.requests(inspector.id, INSPECTOR_LIMITS.requestsKept);
  }

  async delete(inspector: Inspector): Promise<void> {
    await this.ports.inspectors.delete(inspector.appId, inspector.id);
  }
}
