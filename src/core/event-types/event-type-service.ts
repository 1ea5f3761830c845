import type { EventTypeRepository, Page, PageRequest } from "../../store/store.ts";
import type { Clock } from "../clock.ts";
import type { EventType } from "../entities.ts";
import { conflict, notFound } from "../errors.ts";
import { checkSchemas } from "../payload-schemas.ts";
import {
  eventTypeFields,
  patchedEventType,
  type EventTypeFields,
  type EventTypeInput,
  type EventTypePatch,
} from "./event-type-rules.ts";

/** What the event-type service needs; wired by src/main/services.ts. */
export interface EventTypeServicePorts {
  eventTypes: EventTypeRepository;
  clock: Clock;
}

/**
 * The event-type catalog: schemas checked as they are set, the PUT and PATCH merge rules, and
 * archiving as the default deletion. Who may read or change it is the API's rule
 * (src/api/event-catalog-access.ts).
 */
export class EventTypeService {
  constructor(private readonly ports: EventTypeServicePorts) {}

  find(name: string): Promise<EventType | undefined> {
    return this.ports.eventTypes.get(name);
  }

  list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>> {
    return this.ports.eventTypes.list(page, includeArchived);
  }

  /** Every event type, archived ones included, in name order (exports and bulk imports). */
  async all(): Promise<EventType[]> {
    const all: EventType[] = [];
    let iterator: string | null = null;
    do {
      const page = await this.ports.eventTypes.list({ limit: 250, iterator, order: "ascending" }, true);
      all.push(...page.data);
      iterator = page.done ? null : page.iterator;
    } while (iterator);
    return all;
  }

  async create(name: string, b: EventTypeInput): Promise<EventType> {
    checkSchemas(b.schemas);
    if (await this.ports.eventTypes.get(name)) throw conflict(`event type "${name}" already exists`);
    const now = this.ports.clock.now();
    const eventType: EventType = { ...eventTypeFields(name, b), createdAt: now, updatedAt: now };
    await this.ports.eventTypes.insert(eventType);
    return eventType;
  }

  /** PUT: replaces the type, or creates it. */
  async upsert(name: string, b: EventTypeInput): Promise<{ eventType: EventType; created: boolean }> {
    checkSchemas(b.schemas);
    const existing = await this.ports.eventTypes.get(name);
    const eventType = await this.put(existing, eventTypeFields(name, b), this.ports.clock.now());
    return { eventType, created: !existing };
  }

  async patch(name: string, b: EventTypePatch): Promise<EventType> {
    const existing = await this.ports.eventTypes.get(name);
    if (!existing) throw notFound("event type");
    checkSchemas(b.schemas);
    const eventType = patchedEventType(existing, b, this.ports.clock.now());
    await this.ports.eventTypes.update(eventType);
    return eventType;
  }

  /** Svix archives by default (messages of the type stay meaningful); `expunge` deletes for good. */
  async remove(name: string, expunge: boolean): Promise<void> {
    const existing = await this.ports.eventTypes.get(name);
    if (!existing) throw notFound("event type");
    if (expunge) await this.ports.eventTypes.delete(existing.name);
    else await this.ports.eventTypes.update({ ...existing, archived: true, updatedAt: this.ports.clock.now() });
  }

  /**
   * Inserts or replaces one event type whose fields were already checked, keeping the creation
   * time of the one it replaces: what the bulk imports (environment, OpenAPI) do per type, as one
   * `PUT` per type would.
   */
  async put(existing: EventType | undefined, fields: EventTypeFields, now: number): Promise<EventType> {
    const eventType: EventType = { ...fields, createdAt: existing?.createdAt ?? now, updatedAt: now };
    if (existing) await this.ports.eventTypes.update(eventType);
    else await this.ports.eventTypes.insert(eventType);
    return eventType;
  }
}
