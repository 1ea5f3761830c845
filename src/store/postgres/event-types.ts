import type { EventType } from "../../core/entities.ts";
import type { EventTypeRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { json, Params, type Queryable } from "./sql.ts";

interface EventTypeRow {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
  group_name: string | null;
  feature_flags: string[] | null;
  retry_schedule: number[] | null;
  created_at: number;
  updated_at: number;
}

const toEventType = (r: EventTypeRow): EventType => ({
  name: r.name,
  description: r.description,
  archived: r.archived,
  deprecated: r.deprecated,
  schemas: r.schemas,
  groupName: r.group_name,
  featureFlags: r.feature_flags,
  retrySchedule: r.retry_schedule,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Event types are global (not per application), as in SQLite. */
export class PostgresEventTypes implements EventTypeRepository {
  constructor(private readonly db: Queryable) {}

  async insert(e: EventType): Promise<void> {
    await this.db.query(
      `INSERT INTO event_type (name, description, archived, deprecated, schemas, group_name, feature_flags, created_at,
         updated_at, retry_schedule)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9, $10::jsonb)`,
      [
        e.name,
        e.description,
        e.archived,
        e.deprecated,
        json(e.schemas),
        e.groupName,
        json(e.featureFlags),
        e.createdAt,
        e.updatedAt,
        json(e.retrySchedule),
      ],
    );
  }

  async get(name: string): Promise<EventType | undefined> {
    const { rows } = await this.db.query<EventTypeRow>("SELECT * FROM event_type WHERE name = $1", [name]);
    return rows[0] && toEventType(rows[0]);
  }

  async list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>> {
    return paginate<EventTypeRow, EventType>(
      this.db,
      { from: "event_type", where: includeArchived ? [] : ["NOT archived"], params: new Params(), key: "name" },
      page,
      toEventType,
      (r) => r.name,
    );
  }

  async update(e: EventType): Promise<void> {
    await this.db.query(
      `UPDATE event_type SET description = $1, archived = $2, deprecated = $3, schemas = $4::jsonb, group_name = $5,
         feature_flags = $6::jsonb, updated_at = $7, retry_schedule = $9::jsonb WHERE name = $8`,
      [
        e.description,
        e.archived,
        e.deprecated,
        json(e.schemas),
        e.groupName,
        json(e.featureFlags),
        e.updatedAt,
        e.name,
        json(e.retrySchedule),
      ],
    );
  }

  async delete(name: string): Promise<void> {
    await this.db.query("DELETE FROM event_type WHERE name = $1", [name]);
  }
}
