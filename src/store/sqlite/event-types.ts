import type Database from "better-sqlite3";
import type { EventType } from "../../core/entities.ts";
import type { EventTypeRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { json, parseJson, prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

interface EventTypeRow {
  name: string;
  description: string;
  archived: number;
  deprecated: number;
  schemas: string | null;
  group_name: string | null;
  feature_flags: string | null;
  retry_schedule: string | null;
  created_at: number;
  updated_at: number;
}

const toEventType = (r: EventTypeRow): EventType => ({
  name: r.name,
  description: r.description,
  archived: r.archived === 1,
  deprecated: r.deprecated === 1,
  schemas: parseJson(r.schemas),
  groupName: r.group_name,
  featureFlags: parseJson(r.feature_flags),
  retrySchedule: parseJson(r.retry_schedule),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class SqliteEventTypes implements EventTypeRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async insert(e: EventType): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO event_type (name, description, archived, deprecated, schemas, group_name, feature_flags, created_at,
           updated_at, retry_schedule)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        e.name,
        e.description,
        e.archived ? 1 : 0,
        e.deprecated ? 1 : 0,
        json(e.schemas),
        e.groupName,
        json(e.featureFlags),
        e.createdAt,
        e.updatedAt,
        json(e.retrySchedule),
      ),
    );
  }

  async get(name: string): Promise<EventType | undefined> {
    const row = prepared(this.db, "SELECT * FROM event_type WHERE name = ?").get(name) as EventTypeRow | undefined;
    return row && toEventType(row);
  }

  async list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>> {
    return paginate<EventTypeRow, EventType>(
      this.db,
      { from: "event_type", where: includeArchived ? [] : ["archived = 0"], params: [], key: "name" },
      page,
      toEventType,
      (r) => r.name,
    );
  }

  async update(e: EventType): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `UPDATE event_type SET description = ?, archived = ?, deprecated = ?, schemas = ?, group_name = ?,
         feature_flags = ?, updated_at = ?, retry_schedule = ? WHERE name = ?`,
      ).run(
        e.description,
        e.archived ? 1 : 0,
        e.deprecated ? 1 : 0,
        json(e.schemas),
        e.groupName,
        json(e.featureFlags),
        e.updatedAt,
        json(e.retrySchedule),
        e.name,
      ),
    );
  }

  async delete(name: string): Promise<void> {
    await this.writer.run(() => prepared(this.db, "DELETE FROM event_type WHERE name = ?").run(name));
  }
}
