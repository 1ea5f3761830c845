import type { Store } from "../store/store.ts";
import { isStoreUnavailable } from "../store/store-unavailable.ts";
import type { HooklineMetrics } from "./metrics.ts";

type Repository = Exclude<keyof Store, "ping" | "close">;
type MethodsOf<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/**
 * Every method of every repository of the Store interface: the operation label's fixed set. The
 * type check below fails when the interface gains a method this table does not list.
 */
const OPERATIONS = {
  applications: ["insert", "get", "list", "update", "delete"],
  eventTypes: ["insert", "get", "list", "update", "delete"],
  endpoints: [
    "insert",
    "get",
    "list",
    "listAll",
    "listDisabled",
    "update",
    "delete",
    "setSecret",
    "markHandshakeValidated",
    "sealPlaintextHeaders",
  ],
  messages: [
    "insertWithDeliveries",
    "get",
    "appIdOf",
    "getMany",
    "list",
    "expungeContent",
    "scanForEndpoint",
    "expungeBatch",
  ],
  deliveries: [
    "claimDue",
    "complete",
    "renewLeases",
    "releaseLeases",
    "get",
    "resend",
    "scanEndpoint",
    "countDue",
    "rearm",
    "insertManual",
    "recover",
    "retryNow",
    "listByMessage",
    "listByEndpoint",
    "stats",
    "oldestUnsettled",
    "park",
    "promoteNext",
    "countPending",
    "queueStats",
  ],
  attempts: ["get", "listByMessage", "listByEndpoint", "expungeContent", "insert"],
  integrations: ["insert", "get", "list", "update", "rotateKey", "delete"],
  alerts: [
    "insertRule",
    "getRule",
    "listRules",
    "allRules",
    "updateRule",
    "deleteRule",
    "countFailure",
    "claimNotice",
    "clearState",
  ],
  attemptStats: ["series", "byEndpoint"],
  backgroundTasks: ["insert", "get", "list", "claim", "checkpoint", "finish", "release"],
  idempotency: ["get", "put", "purge"],
  coordination: ["notifyWork", "watchForWork", "claimJob"],
  rateLimits: ["take"],
  tokens: ["insert", "byHash", "get", "list", "revoke", "expirePortalSessions"],
  inspectors: ["insert", "get", "listLive", "delete", "record", "requests", "deleteExpired"],
  pollers: ["read", "positionOf", "getConsumer", "putConsumer", "commit", "getToken", "insertToken", "rotateToken"],
  audit: ["append", "list"],
  ipLists: ["get", "list", "put", "delete"],
  settings: ["get", "putIfAbsent", "put"],
  ingest: [
    "insertSource",
    "getSource",
    "listSources",
    "listSourcesOfType",
    "updateSource",
    "deleteSource",
    "accept",
    "appendLog",
    "getLog",
    "listLogs",
    "purge",
  ],
} as const satisfies { [R in Repository]: readonly MethodsOf<Store[R]>[] };

type Unlisted = { [R in Repository]: Exclude<MethodsOf<Store[R]>, (typeof OPERATIONS)[R][number]> }[Repository];
/** Compiles only while OPERATIONS lists every method (else: the name of the missing one). */
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMethodListed;

/** Calls whose duration says nothing about the database: long-lived watches, settings changes. */
const UNTIMED = new Set(["coordination.watchForWork"]);

/**
 * Times every store operation and counts its failures, at the store boundary: each repository
 * method of `store` (the Store interface's, not a dialect's private helpers) is replaced, on that repository object, by one that measures it. In place
 * rather than a wrapper object, so the store keeps its own type (the composition root and tests
 * reach dialect internals through it). The operation label is `<repository>.<method>`, a fixed set
 * (OPERATIONS); each method's label child is made once, here.
 */
export function instrumentStore(store: Store, metrics: HooklineMetrics): void {
  for (const [name, methods] of Object.entries(OPERATIONS)) {
    const repository = store[name as Repository] as unknown as Record<string, unknown>;
    for (const method of methods) {
      const operation = `${name}.${method}`;
      // Optional methods a store leaves out stay left out.
      if (UNTIMED.has(operation) || typeof repository[method] !== "function") continue;
      repository[method] = timedOperation(metrics, operation, repository[method] as Operation, repository);
    }
  }
}

type Operation = (...args: never[]) => unknown;

/**
 * `fn` timed under the operation label `operation`, its failures counted by kind; called on
 * `self`. Also what the retention strategy's steps are timed with (retention-metrics.ts).
 */
export function timedOperation<F extends Operation>(
  metrics: HooklineMetrics,
  operation: string,
  fn: F,
  self?: unknown,
): F {
  const timing = metrics.storeDuration.labels({ operation });
  const failed = (error: unknown) =>
    metrics.storeErrors.inc({ operation, kind: isStoreUnavailable(error) ? "unavailable" : "other" });
  return ((...args: Parameters<F>) => {
    const started = performance.now();
    let result: unknown;
    try {
      result = fn.apply(self, args);
    } catch (error) {
      failed(error);
      throw error;
    }
    if (!(result instanceof Promise)) {
      timing.observe((performance.now() - started) / 1000);
      return result;
    }
    return result.then(
      (value) => {
        timing.observe((performance.now() - started) / 1000);
        return value;
      },
      (error: unknown) => {
        failed(error);
        throw error;
      },
    );
  }) as F;
}
