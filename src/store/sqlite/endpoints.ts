import type Database from "better-sqlite3";
import type { Endpoint, PreviousSecret } from "../../core/entities.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import * as endpointRows from "../rows/endpoints.ts";
import type { EndpointRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { isSealed, PLAINTEXT, type Sealer } from "../../core/secret-box.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export class SqliteEndpoints implements EndpointRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    private readonly box: Sealer = PLAINTEXT,
  ) {}

  private readonly map = (r: endpointRows.EndpointRow): Endpoint =>
    endpointRows.toEndpoint(r, SQLITE_COLUMNS, this.box);

  async insert(e: Endpoint): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO endpoint (${endpointRows.ENDPOINT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...endpointRows.endpointInsertValues(e, SQLITE_COLUMNS, this.box)),
    );
  }

  async get(appId: string, idOrUid: string): Promise<Endpoint | undefined> {
    const row = prepared(
      this.db,
      "SELECT * FROM endpoint WHERE app_id = ? AND (id = ? OR uid = ?) ORDER BY id = ? DESC LIMIT 1",
    ).get(appId, idOrUid, idOrUid, idOrUid) as endpointRows.EndpointRow | undefined;
    return row && this.map(row);
  }

  async list(appId: string, page: PageRequest): Promise<Page<Endpoint>> {
    return paginate<endpointRows.EndpointRow, Endpoint>(
      this.db,
      { from: "endpoint", where: ["app_id = ?"], params: [appId], key: "id" },
      page,
      this.map,
      (r) => r.id,
    );
  }

  async listAll(appId: string): Promise<Endpoint[]> {
    return (
      prepared(this.db, "SELECT * FROM endpoint WHERE app_id = ? ORDER BY id").all(appId) as endpointRows.EndpointRow[]
    ).map(this.map);
  }

  async listDisabled(appId: string | null, limit: number): Promise<Endpoint[]> {
    const rows = (
      appId === null
        ? prepared(this.db, "SELECT * FROM endpoint WHERE disabled = 1 ORDER BY id LIMIT ?").all(limit)
        : prepared(this.db, "SELECT * FROM endpoint WHERE app_id = ? AND disabled = 1 ORDER BY id LIMIT ?").all(
            appId,
            limit,
          )
    ) as endpointRows.EndpointRow[];
    return rows.map(this.map);
  }

  async update(e: Endpoint): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `UPDATE endpoint SET uid = ?, url = ?, description = ?, version = ?, disabled = ?, throttle_rate = ?,
           event_types = ?, channels = ?, metadata = ?, headers = ?, failing_since = ?, options = ?, updated_at = ?
         WHERE app_id = ? AND id = ?`,
      ).run(...endpointRows.endpointUpdateValues(e, SQLITE_COLUMNS, this.box)),
    );
  }

  async delete(appId: string, id: string): Promise<void> {
    await this.writer.run(() => prepared(this.db, "DELETE FROM endpoint WHERE app_id = ? AND id = ?").run(appId, id));
  }

  async markHandshakeValidated(appId: string, id: string, at: number): Promise<void> {
    await this.writer.run(() =>
      prepared(this.db, "UPDATE endpoint SET handshake_validated_at = ? WHERE app_id = ? AND id = ?").run(
        at,
        appId,
        id,
      ),
    );
  }

  async setSecret(appId: string, id: string, secret: string, previous: PreviousSecret[], now: number): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        "UPDATE endpoint SET secret = ?, previous_secrets = ?, updated_at = ? WHERE app_id = ? AND id = ?",
      ).run(this.box.seal(secret), endpointRows.previousSecretsParam(previous, this.box), now, appId, id),
    );
  }

  async sealPlaintextHeaders(): Promise<number> {
    const rows = prepared(this.db, "SELECT id, headers FROM endpoint WHERE headers NOT LIKE 'enc:%'").all() as {
      id: string;
      headers: string;
    }[];
    const sealed = rows.map((r) => this.box.seal(r.headers));
    if (rows.length === 0 || !isSealed(sealed[0]!)) return 0;
    return this.writer.run(() => {
      let changed = 0;
      // Only rows still as read: one changed meanwhile was sealed by the write that changed it.
      const update = prepared(this.db, "UPDATE endpoint SET headers = ? WHERE id = ? AND headers = ?");
      rows.forEach((r, i) => (changed += update.run(sealed[i], r.id, r.headers).changes));
      return changed;
    });
  }
}
