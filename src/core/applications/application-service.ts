import type { ApplicationRepository, Page, PageRequest } from "../../store/store.ts";
import type { Clock } from "../clock.ts";
import type { Application } from "../entities.ts";
import { conflict, notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import { ApplicationLookupCache } from "./application-lookup-cache.ts";
import {
  newApplication,
  patchedApplication,
  replacedApplication,
  type ApplicationInput,
  type ApplicationPatch,
} from "./application-rules.ts";

/** What the application service needs from the rest of the server; wired by src/main/services.ts. */
export interface ApplicationServicePorts {
  applications: ApplicationRepository;
  clock: Clock;
  /** The cached routing tables (src/core/endpoint-directory.ts): a deleted application's endpoints go with it. */
  directory: { invalidate(appId: string): void };
  /**
   * Whether the application is the hidden one of the operational webhooks (src/core/operational-app.ts),
   * which is managed only through their own routes: to everyone else it does not exist.
   */
  isHidden(appId: string): boolean;
}

/** Applications: the uid rule, the PUT and PATCH merge rules, and what a deletion must drop. */
export class ApplicationService {
  private readonly recent: ApplicationLookupCache;

  constructor(private readonly ports: ApplicationServicePorts) {
    // The TTL bounds staleness in real time, as the routing cache's does: a test's clock held
    // still must not keep another process's change out forever.
    this.recent = new ApplicationLookupCache((idOrUid) => ports.applications.get(idOrUid));
  }

  /** By id or uid, as stored (the hidden application included). */
  find(idOrUid: string): Promise<Application | undefined> {
    return this.ports.applications.get(idOrUid);
  }

  /**
   * As find, from a cache for the per-message path (accepting a message, checking an application
   * token's scope): up to two seconds behind a change made by another process, never behind one
   * made by this one (./application-lookup-cache.ts). Reads that show an application use find.
   */
  findRecent(idOrUid: string): Promise<Application | undefined> {
    return this.recent.get(idOrUid);
  }

  /** For a deletion outside this service (an inbound source takes its backing application with it). */
  forgetRecent(): void {
    this.recent.invalidate();
  }

  /** By id or uid; 404 when there is none, or when it is the hidden operational application. */
  async require(idOrUid: string): Promise<Application> {
    const app = await this.ports.applications.get(idOrUid);
    if (!app || this.ports.isHidden(app.id)) throw notFound("application");
    return app;
  }

  /** A page of applications; the store leaves out the hidden one, so pages stay full. */
  list(page: PageRequest): Promise<Page<Application>> {
    return this.ports.applications.list(page);
  }

  async create(b: ApplicationInput): Promise<Application> {
    await this.assertUidFree(b.uid);
    const now = this.ports.clock.now();
    const app = newApplication(newId("app", now), b, now);
    await this.ports.applications.insert(app);
    return app;
  }

  /** PUT: replaces the application, or creates it when there is none (Svix's upsert, keyed by the path's uid). */
  async upsert(idOrUid: string, b: ApplicationInput): Promise<{ application: Application; created: boolean }> {
    const existing = await this.ports.applications.get(idOrUid);
    if (existing && this.ports.isHidden(existing.id)) throw notFound("application");
    if (!existing) {
      const uid = b.uid ?? (idOrUid.startsWith("app_") ? null : idOrUid);
      return { application: await this.create({ ...b, uid }), created: true };
    }
    await this.assertUidFree(b.uid, existing.id);
    const updated = replacedApplication(existing, b, this.ports.clock.now());
    await this.ports.applications.update(updated);
    this.recent.invalidate();
    return { application: updated, created: false };
  }

  async patch(idOrUid: string, b: ApplicationPatch): Promise<Application> {
    const existing = await this.require(idOrUid);
    await this.assertUidFree(b.uid, existing.id);
    const updated = patchedApplication(existing, b, this.ports.clock.now());
    await this.ports.applications.update(updated);
    this.recent.invalidate();
    return updated;
  }

  /** Deletes the application with its endpoints and history; its routing table goes at once. */
  async remove(idOrUid: string): Promise<void> {
    const existing = await this.require(idOrUid);
    await this.ports.applications.delete(existing.id);
    this.recent.invalidate();
    this.ports.directory.invalidate(existing.id);
  }

  private async assertUidFree(uid: string | null | undefined, selfId?: string): Promise<void> {
    if (!uid) return;
    const other = await this.ports.applications.get(uid);
    if (other && other.id !== selfId) throw conflict(`an application with uid "${uid}" already exists`);
  }
}
