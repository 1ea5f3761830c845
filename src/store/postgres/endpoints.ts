import type { Endpoint, PreviousSecret } from "../../core/entities.ts";
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import * as endpointRows from "../rows/endpoints.ts";
import type { EndpointRepository, Page, PageRequest } from "../store.ts";
import { isSealed, PLAINTEXT, type Sealer } from "../../core/secret-box.ts";
import { paginate } from "./paginate.ts";
import { Params, type Queryable } from "./sql.ts";

export class PostgresEndpoints implements EndpointRepository {
  constructor(
    private readonly db: Queryable,
    private readonly box: Sealer = PLAINTEXT,
  ) {}

  private readonly map = (r: endpointRows.EndpointRow): Endpoint =>
    endpointRows.toEndpoint(r, POSTGRES_COLUMNS, this.box);

  async insert(e: Endpoint): Promise<void> {
    await this.db.query(
      `INSERT INTO endpoint (${endpointRows.ENDPOINT_INSERT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13, $14::jsonb, $15, $16::jsonb,
         $17, $18)`,
      endpointRows.endpointInsertValues(e, POSTGRES_COLUMNS, this.box),
    );
  }

  async get(appId: string, idOrUid: string): Promise<Endpoint | undefined> {
    // An id match wins over a uid match, as in SQLite.
    const { rows } = await this.db.query<endpointRows.EndpointRow>(
      "SELECT * FROM endpoint WHERE app_id = $1 AND (id = $2 OR uid = $2) ORDER BY id = $2 DESC LIMIT 1",
      [appId, idOrUid],
    );
    return rows[0] && this.map(rows[0]);
  }

  async list(appId: string, page: PageRequest): Promise<Page<Endpoint>> {
    const params = new Params();
    return paginate<endpointRows.EndpointRow, Endpoint>(
      this.db,
      { from: "endpoint", where: [`app_id = ${params.add(appId)}`], params, key: "id" },
      page,
      this.map,
      (r) => r.id,
    );
  }

  async listAll(appId: string): Promise<Endpoint[]> {
    const { rows } = await this.db.query<endpointRows.EndpointRow>(
      "SELECT * FROM endpoint WHERE app_id = $1 ORDER BY id",
      [appId],
    );
    return rows.map(this.map);
  }

  async listDisabled(appId: string | null, limit: number): Promise<Endpoint[]> {
    const { rows } =
      appId === null
        ? await this.db.query<endpointRows.EndpointRow>("SELECT * FROM endpoint WHERE disabled ORDER BY id LIMIT $1", [
            limit,
          ])
        : await this.db.query<endpointRows.EndpointRow>(
            "SELECT * FROM endpoint WHERE app_id = $1 AND disabled ORDER BY id LIMIT $2",
            [appId, limit],
          );
    return rows.map(this.map);
  }

  /** Everything but the secrets (setSecret) and the creation time, as in SQLite. */
  async update(e: Endpoint): Promise<void> {
    await this.db.query(
      `UPDATE endpoint SET uid = $1, url = $2, description = $3, version = $4, disabled = $5, throttle_rate = $6,
         event_types = $7::jsonb, channels = $8::jsonb, metadata = $9::jsonb, headers = $10,
         failing_since = $11, options = $12::jsonb, updated_at = $13
       WHERE app_id = $14 AND id = $15`,
      endpointRows.endpointUpdateValues(e, POSTGRES_COLUMNS, this.box),
    );
  }

  async delete(appId: string, id: string): Promise<void> {
    // The partitioned history has no foreign keys (0008_partitioned_history.sql): its rows go here.
    await this.db.query(
      `WITH owned AS (SELECT id FROM endpoint WHERE app_id = $1 AND id = $2),
       attempts AS (DELETE FROM attempt WHERE endpoint_id IN (SELECT id FROM owned)),
       deliveries AS (DELETE FROM delivery WHERE endpoint_id IN (SELECT id FROM owned))
       DELETE FROM endpoint WHERE app_id = $1 AND id = $2`,
      [appId, id],
    );
  }

  async markHandshakeValidated(appId: string, id: string, at: number): Promise<void> {
    await this.db.query("UPDATE endpoint SET handshake_validated_at = $1 WHERE app_id = $2 AND id = $3", [
      at,
      appId,
      id,
    ]);
  }

  async setSecret(appId: string, id: string, secret: string, previous: PreviousSecret[], now: number): Promise<void> {
    await this.db.query(
      "UPDATE endpoint SET secret = $1, previous_secrets = $2::jsonb, updated_at = $3 WHERE app_id = $4 AND id = $5",
      [this.box.seal(secret), endpointRows.previousSecretsParam(previous, this.box), now, appId, id],
    );
  }

  async sealPlaintextHeaders(): Promise<number> {
    const { rows } = await this.db.query<{ id: string; headers: string }>(
      "SELECT id, headers FROM endpoint WHERE headers NOT LIKE 'enc:%'",
    );
    const sealed = rows.map((r) => this.box.seal(r.headers));
    if (rows.length === 0 || !isSealed(sealed[0]!)) return 0;
    // Only rows still as read: one changed meanwhile was sealed by the write that changed it.
    const result = await this.db.query(
      `UPDATE endpoint e SET headers = u.sealed FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, plain, sealed)
       WHERE e.id = u.id AND e.headers = u.plain`,
      [rows.map((r) => r.id), rows.map((r) => r.headers), sealed],
    );
    return result.rowCount ?? 0;
  }
}
