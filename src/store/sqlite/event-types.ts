import type Database from "better-sqlite3";
import type { EventType } from "../../core/entities.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import * as eventTypeRows from "../rows/event-types.ts";
import type { EventTypeRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

const readEventType = (r: eventTypeRows.EventTypeRow): EventType => eventTypeRows.toEventType(r, SQLITE_COLUMNS);

export class SqliteEventTypes implements EventTypeRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async insert(e: EventType): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO event_type (${eventTypeRows.EVENT_TYPE_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...eventTypeRows.eventTypeInsertValues(e, SQLITE_COLUMNS)),
    );
  }

  async get(name: string): Promise<EventType | undefined> {
    const row = prepared(this.db, "SELECT * FROM event_type WHERE name = ?").get(name) as
      eventTypeRows.EventTypeRow | undefined;
    return row && readEventType(row);
  }

  async list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>> {
    return paginate<eventTypeRows.EventTypeRow, EventType>(
      this.db,
      { from: "event_type", where: includeArchived ? [] : ["archived = 0"], params: [], key: "name" },
      page,
      readEventType,
      (r) => r.name,
    );
  }

  async update(e: EventType): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `UPDATE event_type SET description = ?, archived = ?, deprecated = ?, schemas = ?, group_name = ?,
         feature_flags = ?, updated_at = ?, retry_schedule = ? WHERE name = ?`,
      ).run(...eventTypeRows.eventTypeUpdateValues(e, SQLITE_COLUMNS)),
    );
  }

  async delete(name: string): Promise<void> {
    await this.writer.run(() => prepared(this.db, "DELETE FROM event_type WHERE name = ?").run(name));
  }
}
