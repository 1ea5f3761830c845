import type {
  Application,
  Attempt,
  Delivery,
  Endpoint,
  EventType,
  IngestLogEntry,
  IngestSource,
  Integration,
  Message,
  PreviousSecret,
  TriggerType,
} from "../core/entities.ts";
import type { StatsCells } from "./rows/attempt-stats.ts";
import type { AlertRule } from "../core/alert-rule.ts";
import type { BackgroundTask, BackgroundTaskKind, BackgroundTaskStatus } from "../core/background-task.ts";

/**
 * The persistence boundary. The API and the workers speak only to this interface; each
 * database dialect implements it in its own folder (sqlite/, postgres/), so dialect
 * differences never leak out. Every tenant-scoped method takes the application id first.
 */
export interface Store {
  readonly applications: ApplicationRepository;
  readonly eventTypes: EventTypeRepository;
  readonly endpoints: EndpointRepository;
  readonly messages: MessageRepository;
  readonly deliveries: DeliveryRepository;
  readonly attempts: AttemptRepository;
  /** Pre-aggregated attempt counts and latencies per minute, written with the attempts (rows/attempt-stats.ts). */
  readonly attemptStats: AttemptStatsRepository;
  readonly idempotency: IdempotencyRepository;
  readonly coordination: CoordinationRepository;
  readonly rateLimits: RateLimitRepository;
  readonly tokens: TokenRepository;
  readonly audit: AuditRepository;
  readonly settings: SettingRepository;
  readonly ingest: IngestRepository;
  readonly integrations: IntegrationRepository;
  /** Named address lists that sources and tokens refer to (docs/inbound-sources.md, "Address rules"). */
  readonly ipLists: IpListRepository;
  readonly inspectors: InspectorRepository;
  /** Alert rules and the state that de-duplicates their notices. */
  readonly alerts: AlertRepository;
  /** Polling endpoints' streams, consumers and tokens (docs/api.md, "Polling endpoints"). */
  readonly pollers: PollerRepository;
  /** Bulk operations running in batches, leased to one process at a time (src/core/background-tasks/). */
  readonly backgroundTasks: BackgroundTaskRepository;
  /**
   * Resolves once the database answers and would take a write; rejects otherwise, with an error
   * isStoreUnavailable recognises (a read-only database: SQLITE_READONLY or SQLSTATE 25006). What
   * the readiness check asks; a full disk shows only when a write fails.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ApiToken {
  id: string;
  /** Hex SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: string;
  /** The one application this token may touch; null for an admin token. */
  appId: string | null;
  name: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** Addresses, CIDRs and `list:NAME` references the token may be used from; null: anywhere. */
  allowedIps: string[] | null;
  /** For a consumer-portal session: what it may do (docs/portal.md). Null for every other token. */
  portal: PortalGrant | null;
  /**
   * For a poller token: the one polling endpoint whose poller routes it may call
   * (src/api/poller-token-access.ts). Absent or null for every other token.
   */
  pollerEndpointId?: string | null;
}

/** What app portal access granted a session; stored with its token. */
export interface PortalGrant {
  /** Capability names (src/api/portal-capabilities.ts); ViewBase is always among them. */
  capabilities: string[];
  /** Refuses every change, whatever the capabilities. */
  readOnly: boolean;
  /** Feature flags whose event types the session may see. */
  featureFlags: string[];
  /** The operator's session id, which expire-all may name. */
  sessionId: string | null;
}

export interface TokenRepository {
  insert(token: ApiToken): Promise<void>;
  byHash(tokenHash: string): Promise<ApiToken | undefined>;
  get(id: string): Promise<ApiToken | undefined>;
  list(page: PageRequest, appId?: string): Promise<Page<ApiToken>>;
  /** Sets when the token stops working (now, to revoke). */
  revoke(id: string, at: number): Promise<void>;
  /**
   * Ends, at `at` (now or later), the portal sessions of an application not already ended by then
   * (only those with one of `sessionIds`, when given). Returns the hashes of the tokens it changed.
   */
  expirePortalSessions(appId: string, at: number, sessionIds?: readonly string[]): Promise<string[]>;
}

export interface AuditEntry {
  id: string;
  /** Who: `admin` (the bootstrap token) or the token id. */
  actor: string;
  /** What: the method and route, e.g. `PATCH /api/v1/app/:app_id/endpoint/:endpoint_id`. */
  action: string;
  /** The concrete path requested. */
  path: string;
  appId: string | null;
  status: number;
  createdAt: number;
  /** The client's address (src/access/client-address.ts); null for entries from before it was recorded. */
  clientIp: string | null;
  /** Why a request was refused (e.g. an address outside the token's allowedIps); null for a change made. */
  detail: string | null;
}

export interface AuditRepository {
  append(entry: AuditEntry): Promise<void>;
  list(page: PageRequest, appId?: string): Promise<Page<AuditEntry>>;
}

/** A named list of addresses and CIDRs, e.g. a provider's published sending ranges. */
export interface IpList {
  name: string;
  description: string;
  entries: string[];
  createdAt: number;
  updatedAt: number;
}

export interface IpListRepository {
  get(name: string): Promise<IpList | undefined>;
  list(page: PageRequest): Promise<Page<IpList>>;
  /** Creates the list or replaces its description and entries (keeping createdAt). */
  put(list: IpList): Promise<void>;
  /** Whether a list was deleted. */
  delete(name: string): Promise<boolean>;
}

export interface SettingRepository {
  get(name: string): Promise<string | undefined>;
  /** Stores `value` unless the setting exists; returns the value now stored. */
  putIfAbsent(name: string, value: string): Promise<string>;
  /** Stores `value`, replacing what the setting held. */
  put(name: string, value: string): Promise<void>;
}

export interface RateGrant {
  /** Tokens taken: each allows one delivery now. */
  granted: number;
  /** When nothing was granted: how long until the next token exists. */
  waitMs: number;
}

/**
 * Per-endpoint rate limits held in the database, so they hold across every process delivering
 * to the endpoint rather than per process.
 */
export interface RateLimitRepository {
  /**
   * Takes up to `want` tokens from the endpoint's bucket, which refills at `ratePerSecond` up to
   * one second's worth (the burst). Atomic across processes.
   */
  take(endpointId: string, ratePerSecond: number, want: number, now: number): Promise<RateGrant>;
}

/** What processes sharing one database need to agree on. */
export interface CoordinationRepository {
  /** Tells idle workers in other processes that work is due (PostgreSQL NOTIFY; nothing to tell with SQLite). */
  notifyWork(): Promise<void>;
  /** Calls `onWork` whenever some process notifies; resolves to a function that stops watching. */
  watchForWork(onWork: () => void): Promise<() => Promise<void>>;
  /**
   * True for exactly one caller per `intervalMs` across every process sharing the store, so
   * periodic jobs (retention, key purges) run once in a cluster, not once per process. The first
   * claim of a job the store has never seen records `now` as its last run and returns false: the
   * job first runs one interval after the cluster first started it (a fresh database does not run
   * a daily purge on its first tick), while a job that is overdue (its last run an interval or
   * more ago, say after a restart) runs at the next tick.
   */
  claimJob(name: string, intervalMs: number, now: number): Promise<boolean>;
}

export type Ordering = "ascending" | "descending";

/**
 * The setting naming the hidden application of the operational webhooks (src/core/operational-app.ts):
 * application listings leave it out, as they leave out inbound sources' backing applications.
 */
export const OPERATIONAL_APP_SETTING = "operational_app_id";

export interface PageRequest {
  limit: number;
  /** The `iterator` of the previous page, or the `prevIterator` of the next one; null for the first page. */
  iterator: string | null;
  order: Ordering;
}

export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export interface TimeRange {
  /** Only items created strictly before this time (ms). */
  before?: number;
  /** Only items created strictly after this time (ms). */
  after?: number;
}

export interface ApplicationRepository {
  insert(app: Application): Promise<void>;
  /** By id or by uid. */
  get(idOrUid: string): Promise<Application | undefined>;
  list(page: PageRequest): Promise<Page<Application>>;
  update(app: Application): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface EventTypeRepository {
  insert(eventType: EventType): Promise<void>;
  get(name: string): Promise<EventType | undefined>;
  list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>>;
  update(eventType: EventType): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface EndpointRepository {
  insert(endpoint: Endpoint): Promise<void>;
  /** By id or by uid, within one application. */
  get(appId: string, idOrUid: string): Promise<Endpoint | undefined>;
  list(appId: string, page: PageRequest): Promise<Page<Endpoint>>;
  /** Every endpoint of an application, for routing a new message. */
  listAll(appId: string): Promise<Endpoint[]>;
  /**
   * Disabled endpoints of one application (or of every one: null), oldest first, at most `limit`:
   * the console's panel of endpoints that need attention. A scan of the endpoint table, which holds
   * one row per endpoint (thousands, not millions).
   */
  listDisabled(appId: string | null, limit: number): Promise<Endpoint[]>;
  update(endpoint: Endpoint): Promise<void>;
  delete(appId: string, id: string): Promise<void>;
  setSecret(appId: string, id: string, secret: string, previous: PreviousSecret[], now: number): Promise<void>;
  /** Records the endpoint's consent to the CloudEvents validation handshake. */
  markHandshakeValidated(appId: string, id: string, at: number): Promise<void>;
  /**
   * Seals custom headers still stored in the clear (written before they were sealed); returns how
   * many rows it sealed. Run at start-up, where the master key is known.
   */
  sealPlaintextHeaders(): Promise<number>;
}

export interface MessageFilter extends TimeRange {
  channel?: string;
  tag?: string;
  eventTypes?: string[];
}

export interface NewDelivery {
  id: string;
  endpointId: string;
  /** When set, the delivery is created already leased to this worker, which sends it at once. */
  leaseOwner: string | null;
  leaseUntil: number | null;
  /**
   * To a polling endpoint: written settled into the endpoint's stream, with an offset, and never
   * attempted (src/core/polling-endpoint.ts). leaseOwner and leaseUntil are then null.
   */
  stream?: boolean;
}

export interface IdempotentResponse {
  scope: string;
  key: string;
  statusCode: number;
  body: string;
}

export interface MessageRepository {
  /**
   * Commits a message and its deliveries (and, if given, the idempotent response) atomically.
   * Resolves only once durable. Rejects with a conflict if the event id is taken.
   */
  insertWithDeliveries(message: Message, deliveries: NewDelivery[], idempotent?: IdempotentResponse): Promise<void>;
  get(appId: string, idOrEventId: string): Promise<Message | undefined>;
  /**
   * The application a message id belongs to, for an admin who has only the id (the console's
   * command palette). A primary-key lookup; on PostgreSQL the id also picks the partition.
   */
  appIdOf(msgId: string): Promise<string | undefined>;
  getMany(appId: string, ids: string[]): Promise<Map<string, Message>>;
  list(appId: string, filter: MessageFilter, page: PageRequest): Promise<Page<Message>>;
  expungeContent(appId: string, id: string): Promise<void>;
  /**
   * One batch of a replay of missed messages: the application's messages with ids in `range`, at
   * most `limit` of them in id order, each saying whether it already has a delivery to the
   * endpoint and whether its payload is still there.
   */
  scanForEndpoint(appId: string, endpointId: string, range: KeyRange, limit: number): Promise<MessageScanRow[]>;
  /**
   * One batch of expunging every payload: clears the payloads of the application's next `limit`
   * messages (by id) in `range`. Returns how many had a payload, and the last id looked at.
   */
  expungeBatch(appId: string, range: KeyRange, limit: number): Promise<ScanBatch>;
}

/** Ids strictly after `after` and strictly before `before` (ids sort by creation time). */
export interface KeyRange {
  after: string;
  before: string;
}

export interface ScanBatch {
  /** Rows changed. */
  changed: number;
  /** Rows looked at; fewer than the limit means the range is done. */
  scanned: number;
  /** The last key looked at (the range's `after` when none was). */
  next: string;
}

export interface MessageScanRow {
  id: string;
  eventType: string;
  channels: string[] | null;
  hasDelivery: boolean;
  expunged: boolean;
}

/** An endpoint's delivery with what a bulk replay filters on. */
export interface DeliveryScanRow {
  id: string;
  msgId: string;
  status: number;
  eventType: string;
  channels: string[] | null;
  tags: string[] | null;
  /** The latest attempt's response status code (0: no response); null when never attempted. */
  lastStatusCode: number | null;
}

/** The outcome of one attempt, to be written back with its delivery's new state. */
export interface DeliveryOutcome {
  deliveryId: string;
  attempt: Attempt;
  /** Next state: success, retry at `nextAttemptAt`, or failed for good. */
  status: Delivery["status"];
  nextAttemptAt: number | null;
  /** Endpoint health bookkeeping that goes with this attempt. */
  endpointFailingSince: number | null;
  disableEndpoint: boolean;
}

export interface ClaimedDelivery extends Delivery {
  leaseUntil: number;
}

export interface DeliveryFilter extends TimeRange {
  status?: number;
  channel?: string;
  tag?: string;
  eventTypes?: string[];
}

/**
 * A leased delivery as lease renewal and release name it: its id, and its message's id, by which
 * PostgreSQL finds the row's time partition instead of probing every window.
 */
export interface LeaseRef {
  id: string;
  msgId: string;
}

export interface DeliveryStats {
  success: number;
  pending: number;
  sending: number;
  fail: number;
  canceled: number;
}

export interface DeliveryRepository {
  /**
   * Leases up to `limit` due deliveries whose lease is free or expired, skipping the endpoints in
   * `skipEndpoints` (ones this worker already has enough work queued for).
   */
  claimDue(
    owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
    skipEndpoints: string[],
  ): Promise<ClaimedDelivery[]>;
  /** Records attempts and the resulting delivery states; only rows still leased by `owner` change state. */
  complete(owner: string, outcomes: DeliveryOutcome[], now: number): Promise<void>;
  renewLeases(owner: string, leases: LeaseRef[], leaseUntil: number): Promise<void>;
  releaseLeases(owner: string, leases: LeaseRef[]): Promise<void>;
  get(appId: string, msgId: string, endpointId: string): Promise<Delivery | undefined>;
  /** Makes (or re-arms) the delivery of a message to an endpoint due now, as a manual attempt. */
  resend(appId: string, msgId: string, endpointId: string, newDeliveryId: string, now: number): Promise<void>;
  /**
   * One batch of a bulk replay or recover: the endpoint's next `limit` deliveries by message id in
   * `range`, with their message's type, channels and tags and the latest attempt's status code.
   */
  scanEndpoint(appId: string, endpointId: string, range: KeyRange, limit: number): Promise<DeliveryScanRow[]>;
  /**
   * How many of the endpoint's deliveries are due at `now` and not yet settled, counting at most
   * `cap` (a bulk task paces itself on it: core/background-tasks/task-step.ts).
   */
  countDue(endpointId: string, now: number, cap: number): Promise<number>;
  /** Makes these deliveries of the endpoint due now as manual attempts (failed and succeeded ones pending again). */
  rearm(appId: string, endpointId: string, deliveries: LeaseRef[], now: number): Promise<number>;
  /**
   * Creates deliveries of these messages to the endpoint, due now as manual attempts, skipping any
   * message that has one already; returns how many it created.
   */
  insertManual(appId: string, endpointId: string, deliveries: LeaseRef[], now: number): Promise<number>;
  /** Re-arms failed deliveries to an endpoint created in [since, until); returns how many. */
  recover(appId: string, endpointId: string, since: number, until: number, now: number): Promise<number>;
  /**
   * Makes the endpoint's deliveries that wait for a retry due now (a `hookline listen` session
   * came back); returns how many. Ones never attempted (scheduled by deliverAt) and ones leased
   * (in flight) are left alone.
   */
  retryNow(appId: string, endpointId: string, now: number): Promise<number>;
  listByMessage(appId: string, msgId: string, page: PageRequest): Promise<Page<Delivery>>;
  listByEndpoint(appId: string, endpointId: string, filter: DeliveryFilter, page: PageRequest): Promise<Page<Delivery>>;
  stats(appId: string, endpointId: string, range: TimeRange): Promise<DeliveryStats>;
  /** For ordered endpoints: the endpoint's oldest delivery (by message) that is not settled yet. */
  oldestUnsettled(appId: string, endpointId: string): Promise<Delivery | undefined>;
  /** Puts a leased delivery back, due at `at`, without an attempt (not its turn yet). */
  park(owner: string, id: string, at: number): Promise<void>;
  /**
   * Makes the endpoint's oldest unsettled delivery due now, if it was parked for later (its turn
   * came), unless its message is scheduled for later still (deliverAt): that one waits for its time.
   */
  promoteNext(appId: string, endpointId: string, now: number): Promise<void>;
  /** How many deliveries are due or scheduled in total (for metrics and backpressure). */
  countPending(): Promise<number>;
  /**
   * The backlog across every process sharing the store, for metrics: deliveries due by `now`
   * (including those being attempted), scheduled later, and the earliest due time. One scan of
   * the partial index on next_attempt_at, which holds only unsettled deliveries.
   */
  queueStats(now: number, scope?: BacklogScope): Promise<QueueStats>;
}

/**
 * Narrows queueStats to one application or one of its endpoints. An endpoint reads the partial
 * index delivery_unsettled_by_endpoint; an application scans the unsettled deliveries (the partial
 * index delivery_due), as the whole instance does.
 */
export interface BacklogScope {
  appId: string;
  endpointId?: string;
}

export interface QueueStats {
  due: number;
  scheduled: number;
  /** The earliest next_attempt_at of any unsettled delivery (ms), or null when none is. */
  oldestDueAt: number | null;
}

export interface AttemptFilter extends TimeRange {
  status?: number;
  statusCodeClass?: number;
  endpointId?: string;
  channel?: string;
  tag?: string;
  eventTypes?: string[];
}

export interface AttemptRepository {
  get(appId: string, msgId: string, attemptId: string): Promise<Attempt | undefined>;
  listByMessage(appId: string, msgId: string, filter: AttemptFilter, page: PageRequest): Promise<Page<Attempt>>;
  listByEndpoint(appId: string, endpointId: string, filter: AttemptFilter, page: PageRequest): Promise<Page<Attempt>>;
  expungeContent(appId: string, msgId: string, attemptId: string): Promise<void>;
  /** Records an attempt that is not tied to a durable delivery (e.g. a test attempt). */
  insert(attempt: Attempt): Promise<void>;
}

/** Which stats rows to sum: the instance (both ids null), an application, or one of its endpoints. */
export interface AttemptStatsQuery {
  appId: string | null;
  endpointId: string | null;
  /** Inclusive; a multiple of `widthMs`. */
  since: number;
  /** Exclusive; a multiple of `widthMs`. */
  until: number;
  /** Bucket width, a multiple of a minute. */
  widthMs: number;
}

export interface AttemptStatsBucket extends StatsCells {
  bucketStart: number;
}

export interface AttemptStatsRepository {
  /** The buckets of the range that saw any attempt, in time order, each the sum of its minutes. */
  series(query: AttemptStatsQuery): Promise<AttemptStatsBucket[]>;
  /**
   * Attempts per endpoint over [since, until) (multiples of a minute), of one application or of
   * every one (appId null), only endpoints that saw any attempt: the per-endpoint rows of the range.
   */
  byEndpoint(query: EndpointTotalsQuery): Promise<EndpointAttemptTotals[]>;
}

export interface EndpointTotalsQuery {
  appId: string | null;
  since: number;
  until: number;
}

export interface EndpointAttemptTotals {
  appId: string;
  endpointId: string;
  /** Every attempt, canceled ones included (as the stats API's `total`). */
  total: number;
  success: number;
  canceled: number;
}

/**
 * Keys to remember (a provider delivery id, a digest of signed content), so a redelivery or replay
 * within the window that carries any of them is not forwarded again.
 */
export interface DedupeClaim {
  keys: readonly string[];
  expiresAt: number;
}

export type IngestAcceptance = { duplicateOf: null } | { duplicateOf: string };

/** Inbound sources, their request log and de-duplication. */
export interface IngestRepository {
  /** Creates the source together with its backing application, atomically. */
  insertSource(source: IngestSource, app: Application): Promise<void>;
  /** By id or uid. */
  getSource(idOrUid: string): Promise<IngestSource | undefined>;
  listSources(page: PageRequest): Promise<Page<IngestSource>>;
  /** Every source of one type (the cron job reads its sources; there are few, and no index is needed for them). */
  listSourcesOfType(type: string): Promise<IngestSource[]>;
  updateSource(source: IngestSource): Promise<void>;
  /** Deletes the source and its backing application (destinations, events, attempts, log). */
  deleteSource(id: string): Promise<void>;
  /**
   * Stores an accepted inbound event: unless one of `dedupe`'s keys is already claimed and not yet
   * expired, the message, its deliveries, the claims and `log` commit in one transaction. For a
   * duplicate only `log` is written (with `msgId` set to the original) and the original's id is
   * returned. Resolves once durable; atomic across processes.
   */
  accept(
    message: Message,
    deliveries: NewDelivery[],
    dedupe: DedupeClaim | null,
    log: IngestLogEntry,
  ): Promise<IngestAcceptance>;
  /** Records a request that was not accepted (refused, rejected, or answered directly). */
  appendLog(entry: IngestLogEntry): Promise<void>;
  getLog(sourceId: string, id: string): Promise<IngestLogEntry | undefined>;
  listLogs(sourceId: string, page: PageRequest): Promise<Page<IngestLogEntry>>;
  /** Forgets expired dedupe claims and log entries created before `cutoff`; one bounded batch each. */
  purge(now: number, cutoff: number, limit: number): Promise<number>;
}

/**
 * Integrations and the API tokens their keys authenticate as: each method changes both in one
 * transaction, so a key never works without its integration, nor outlives it.
 */
export interface IntegrationRepository {
  /** Creates the integration with `token`, the api_token row of its key. */
  insert(integration: Integration, token: ApiToken): Promise<void>;
  get(appId: string, id: string): Promise<Integration | undefined>;
  list(appId: string, page: PageRequest): Promise<Page<Integration>>;
  /** Saves the name and feature flags. */
  update(integration: Integration): Promise<void>;
  /** Replaces the key: `token` is the new key's row; the previous key's token is revoked at `now`. */
  rotateKey(appId: string, id: string, key: string, token: ApiToken, now: number): Promise<void>;
  /** Deletes the integration and revokes its key's token at `now`. */
  delete(appId: string, id: string, now: number): Promise<void>;
}

/**
 * Alert rules, and per rule and subject (an endpoint id, `app:<id>` or `instance`) the state behind
 * their notices. The state changes are single atomic statements, so processes sharing the database
 * count failures and claim notices without sending one twice.
 */
export interface AlertRepository {
  insertRule(rule: AlertRule): Promise<void>;
  getRule(id: string): Promise<AlertRule | undefined>;
  listRules(page: PageRequest): Promise<Page<AlertRule>>;
  /** Every rule (there are few), for evaluation. */
  allRules(): Promise<AlertRule[]>;
  updateRule(rule: AlertRule): Promise<void>;
  /** Deletes the rule with its state. */
  deleteRule(id: string): Promise<void>;
  /** Counts one more consecutive failure for the subject; returns the count now stored. */
  countFailure(ruleId: string, subject: string): Promise<number>;
  /**
   * Records that a notice at `level` is sent for the subject now, unless one at the same level was
   * sent less than `dedupeMs` ago; true when the caller should send it.
   */
  claimNotice(ruleId: string, subject: string, level: number, now: number, dedupeMs: number): Promise<boolean>;
  /** Forgets the subject's state (the condition cleared); returns the level last notified, or null if none was. */
  clearState(ruleId: string, subject: string): Promise<number | null>;
}

export interface BackgroundTaskFilter {
  status?: BackgroundTaskStatus;
  kind?: BackgroundTaskKind;
  /** Only this application's tasks (an application token's view). */
  appId?: string;
}

/**
 * Background tasks, leased like deliveries: a running task is worked on by the one process whose
 * lease is current; a lease that ran out (its process died) is claimed by another, which resumes
 * from the task's cursor. Every change names the owner and changes nothing once it has lost the lease.
 */
export interface BackgroundTaskRepository {
  /** Creates the task, leased to `leaseOwner` until `leaseUntil` (null: for any process to claim). */
  insert(task: BackgroundTask, leaseOwner: string | null, leaseUntil: number | null): Promise<void>;
  get(id: string): Promise<BackgroundTask | undefined>;
  list(filter: BackgroundTaskFilter, page: PageRequest): Promise<Page<BackgroundTask>>;
  /** Leases up to `limit` running tasks whose lease is free or ran out, oldest first. Atomic across processes. */
  claim(owner: string, now: number, leaseUntil: number, limit: number): Promise<BackgroundTask[]>;
  /** Saves progress and extends the lease; false when `owner` no longer holds it (nothing saved). */
  checkpoint(task: BackgroundTask, owner: string, leaseUntil: number): Promise<boolean>;
  /** Saves the task's final status and data and frees it; false when `owner` no longer held it. */
  finish(task: BackgroundTask, owner: string): Promise<boolean>;
  /** Frees the leases `owner` holds (a graceful stop), so a restarted or other process resumes them at once. */
  release(owner: string, ids: string[]): Promise<void>;
}

export interface IdempotencyRepository {
  get(scope: string, key: string): Promise<IdempotentResponse | undefined>;
  put(response: IdempotentResponse, now: number): Promise<void>;
  /** Forgets keys older than `before` (ms); they only need to outlive a client's retries. */
  purge(before: number): Promise<number>;
}

export type { TriggerType };

/** A consumer-portal inspector: a test URL that keeps what it receives (docs/portal.md). */
export interface Inspector {
  id: string;
  appId: string;
  url: string;
  createdAt: number;
  expiresAt: number;
}

export interface InspectedRequest {
  id: string;
  inspectorId: string;
  receivedAt: number;
  method: string;
  headers: Record<string, string>;
  /** The body as UTF-8, cut at the inspector's body cap. */
  body: string;
  /** The body's full size in bytes. */
  bodyBytes: number;
  truncated: boolean;
}

export interface InspectorRepository {
  insert(inspector: Inspector): Promise<void>;
  get(id: string): Promise<Inspector | undefined>;
  /** The application's inspectors that have not expired at `now`, newest first. */
  listLive(appId: string, now: number): Promise<Inspector[]>;
  /** Deletes it and what it received; false when the application has no such inspector. */
  delete(appId: string, id: string): Promise<boolean>;
  /** Keeps the request and drops all but the newest `keep` of the inspector's requests. */
  record(request: InspectedRequest, keep: number): Promise<void>;
  /** What the inspector received, newest first. */
  requests(inspectorId: string, limit: number): Promise<InspectedRequest[]>;
  /** Deletes inspectors expired at `now` and what they received; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/** One entry of a polling endpoint's stream: a message routed to it, and the entry's offset. */
export interface StreamEntry {
  message: Message;
  /** Unique across the store; what the v2 poller API hands out and takes back in a commit. */
  offset: number;
}

export interface StreamRead {
  /** Entries whose message id is greater than this ('' for the start of the stream). */
  after: string;
  /** …and less than this: the visibility horizon (src/core/polling-endpoint.ts). */
  before: string;
  limit: number;
  eventType?: string;
  channel?: string;
}

/** Where one consumer of a polling endpoint is. Positions are message ids; '' is the start. */
export interface PollerConsumer {
  /** Committed: everything up to and including this message was processed. */
  position: string;
  /** Handed out under a lease that has not been committed yet (v2 poller API), with when it ends. */
  leasedPosition: string | null;
  leaseUntil: number | null;
}

/** The current token of a polling endpoint, kept readable (sealed at rest) so it can be shown again. */
export interface PollerToken {
  appId: string;
  endpointId: string;
  tokenId: string;
  token: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface PollerRepository {
  /** The stream of a polling endpoint, in message-id order: an index range scan from `after`. */
  read(appId: string, endpointId: string, query: StreamRead): Promise<StreamEntry[]>;
  /** The message id of the endpoint's stream entry with this offset; undefined when there is none (any more). */
  positionOf(appId: string, endpointId: string, offset: number): Promise<string | undefined>;
  getConsumer(appId: string, endpointId: string, consumerId: string): Promise<PollerConsumer | undefined>;
  /** Creates or replaces the consumer's state. */
  putConsumer(appId: string, endpointId: string, consumerId: string, state: PollerConsumer, now: number): Promise<void>;
  /**
   * Moves the committed position forward to `position` (never back), and ends the lease when the
   * commit covers it. Creates the consumer when it has none.
   */
  commit(appId: string, endpointId: string, consumerId: string, position: string, now: number): Promise<void>;
  getToken(appId: string, endpointId: string): Promise<PollerToken | undefined>;
  /** Stores the endpoint's first token with its api_token row; false (nothing stored) when it already has one. */
  insertToken(token: PollerToken, record: ApiToken): Promise<boolean>;
  /** Replaces the endpoint's token with `token` (its row `record`); the previous one stops working at `oldExpiresAt`. */
  rotateToken(token: PollerToken, record: ApiToken, oldExpiresAt: number): Promise<void>;
}
