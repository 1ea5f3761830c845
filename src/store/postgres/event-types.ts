import type { EventType } from "../../core/entities.ts";
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import * as eventTypeRows from "../rows/event-types.ts";
import type { EventTypeRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { Params, type Queryable } from "./sql.ts";

const readEventType = (r: eventTypeRows.EventTypeRow): EventType => eventTypeRows.toEventType(r, POSTGRES_COLUMNS);

/** Event types are global (not per application), as in SQLite. */
export class PostgresEventTypes implements EventTypeRepository {
  constructor(private readonly db: Queryable) {}

  async insert(e: EventType): Promise<void> {
    await this.db.query(
      `INSERT INTO event_type (${eventTypeRows.EVENT_TYPE_INSERT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9, $10::jsonb)`,
      eventTypeRows.eventTypeInsertValues(e, POSTGRES_COLUMNS),
    );
  }

  async get(name: string): Promise<EventType | undefined> {
    const { rows } = await this.db.query<eventTypeRows.EventTypeRow>("SELECT * FROM event_type WHERE name = $1", [
      name,
    ]);
    return rows[0] && readEventType(rows[0]);
  }

  async list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>> {
    return paginate<eventTypeRows.EventTypeRow, EventType>(
      this.db,
      { from: "event_type", where: includeArchived ? [] : ["NOT archived"], params: new Params(), key: "name" },
      page,
      readEventType,
      (r) => r.name,
    );
  }

  async update(e: EventType): Promise<void> {
    await this.db.query(
      `UPDATE event_type SET description = $1, archived = $2, deprecated = $3, schemas = $4::jsonb, group_name = $5,
         feature_flags = $6::jsonb, updated_at = $7, retry_schedule = $8::jsonb WHERE name = $9`,
      eventTypeRows.eventTypeUpdateValues(e, POSTGRES_COLUMNS),
    );
  }

  async delete(name: string): Promise<void> {
    await this.db.query("DELETE FROM event_type WHERE name = $1", [name]);
  }
}
