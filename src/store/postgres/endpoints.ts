import type { Endpoint, EndpointOptions, PreviousSecret } from "../../core/entities.ts";
import type { EndpointRepository, Page, PageRequest } from "../store.ts";
import { isSealed, PLAINTEXT, type Sealer } from "../../core/secret-box.ts";
import { paginate } from "./paginate.ts";
import { json, Params, type Queryable } from "./sql.ts";

interface EndpointRow {
  id: string;
  app_id: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: boolean;
  throttle_rate: number | null;
  event_types: string[] | null;
  channels: string[] | null;
  metadata: Record<string, string>;
  /** Sealed JSON (`enc:v1:…`), or JSON text in a row written before headers were sealed. */
  headers: string;
  secret: string;
  previous_secrets: PreviousSecret[];
  failing_since: number | null;
  options: EndpointOptions;
  handshake_validated_at: number | null;
  created_at: number;
  updated_at: number;
}

const toEndpoint = (r: EndpointRow, box: Sealer): Endpoint => ({
  id: r.id,
  appId: r.app_id,
  uid: r.uid,
  url: r.url,
  description: r.description,
  version: r.version,
  disabled: r.disabled,
  throttleRate: r.throttle_rate,
  eventTypes: r.event_types,
  channels: r.channels,
  metadata: r.metadata ?? {},
  headers: JSON.parse(box.open(r.headers)) as Record<string, string>,
  secret: box.open(r.secret),
  previousSecrets: (r.previous_secrets ?? []).map((p) => ({ ...p, key: box.open(p.key) })),
  failingSince: r.failing_since,
  options: r.options ?? {},
  handshakeValidatedAt: r.handshake_validated_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class PostgresEndpoints implements EndpointRepository {
  constructor(
    private readonly db: Queryable,
    private readonly box: Sealer = PLAINTEXT,
  ) {}

  private readonly map = (r: EndpointRow): Endpoint => toEndpoint(r, this.box);
  private sealAll(previous: PreviousSecret[]): PreviousSecret[] {
    return previous.map((p) => ({ ...p, key: this.box.seal(p.key) }));
  }

  async insert(e: Endpoint): Promise<void> {
    await this.db.query(
      `INSERT INTO endpoint (id, app_id, uid, url, description, version, disabled, throttle_rate, event_types,
         channels, metadata, headers, secret, previous_secrets, failing_since, created_at, updated_at, options)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13, $14::jsonb, $15, $16, $17,
         $18::jsonb)`,
      [
        e.id,
        e.appId,
        e.uid,
        e.url,
        e.description,
        e.version,
        e.disabled,
        e.throttleRate,
        json(e.eventTypes),
        json(e.channels),
        json(e.metadata),
        this.box.seal(JSON.stringify(e.headers)),
        this.box.seal(e.secret),
        json(this.sealAll(e.previousSecrets)),
        e.failingSince,
        e.createdAt,
        e.updatedAt,
        json(e.options),
      ],
    );
  }

  async get(appId: string, idOrUid: string): Promise<Endpoint | undefined> {
    // An id match wins over a uid match, as in SQLite.
    const { rows } = await this.db.query<EndpointRow>(
      "SELECT * FROM endpoint WHERE app_id = $1 AND (id = $2 OR uid = $2) ORDER BY id = $2 DESC LIMIT 1",
      [appId, idOrUid],
    );
    return rows[0] && this.map(rows[0]);
  }

  async list(appId: string, page: PageRequest): Promise<Page<Endpoint>> {
    const params = new Params();
    return paginate<EndpointRow, Endpoint>(
      this.db,
      { from: "endpoint", where: [`app_id = ${params.add(appId)}`], params, key: "id" },
      page,
      this.map,
      (r) => r.id,
    );
  }

  async listAll(appId: string): Promise<Endpoint[]> {
    const { rows } = await this.db.query<EndpointRow>("SELECT * FROM endpoint WHERE app_id = $1 ORDER BY id", [appId]);
    return rows.map(this.map);
  }

  async listDisabled(appId: string | null, limit: number): Promise<Endpoint[]> {
    const { rows } =
      appId === null
        ? await this.db.query<EndpointRow>("SELECT * FROM endpoint WHERE disabled ORDER BY id LIMIT $1", [limit])
        : await this.db.query<EndpointRow>(
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
         failing_since = $11, updated_at = $12, options = $15::jsonb
       WHERE app_id = $13 AND id = $14`,
      [
        e.uid,
        e.url,
        e.description,
        e.version,
        e.disabled,
        e.throttleRate,
        json(e.eventTypes),
        json(e.channels),
        json(e.metadata),
        this.box.seal(JSON.stringify(e.headers)),
        e.failingSince,
        e.updatedAt,
        e.appId,
        e.id,
        json(e.options),
      ],
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
      [this.box.seal(secret), json(this.sealAll(previous)), now, appId, id],
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
