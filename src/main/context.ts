import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { Clock } from "../core/clock.ts";
import type { EndpointDirectory } from "../core/endpoint-directory.ts";
import type { Dispatcher } from "../delivery/dispatcher.ts";
import type { ListenSessions } from "../delivery/listen-sessions.ts";
import type { BackgroundTaskRunner } from "../core/background-tasks/task-runner.ts";
import type { OperationalEvents } from "../core/operational-events.ts";
import type { AlertEngine } from "../observability/alert-rules/alert-engine.ts";
import type { AddressPolicy } from "../delivery/ssrf/address-policy.ts";
import type { HooklineMetrics } from "../observability/metrics.ts";
import type { Tracing } from "../observability/tracing.ts";
import type { Store } from "../store/store.ts";
import type { ConfiguredSetting } from "./effective-configuration.ts";

/** What every API route and service may use; built once by the composition root. */
export interface AppContext {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  endpoints: EndpointDirectory;
  /** Null in a process that only serves the API (HOOKLINE_ROLE=api). */
  dispatcher: Dispatcher | null;
  /** The `hookline listen` sockets of this process; null or absent where no worker runs (they need one). */
  listenSessions?: ListenSessions | null;
  /** Runs background tasks in a process that delivers; null or absent elsewhere (tasks wait for a worker). */
  tasks?: BackgroundTaskRunner | null;
  adminTokenHash: Buffer;
  metrics: HooklineMetrics;
  /** Spans for accept, attempt and ingest; TRACING_OFF unless the OTEL_* variables ask for them. */
  tracing: Tracing;
  /** Operational webhooks (src/core/operational-events.ts); absent where a context serves no traffic (document generation). */
  operational?: OperationalEvents;
  /** The alert rules' evaluation; absent with `operational`. */
  alerts?: AlertEngine;
  /** The SSRF rule delivery applies (HOOKLINE_ALLOW_PRIVATE_NETWORKS), also judging endpoint URLs as they are set. */
  addressPolicy: AddressPolicy;
  /** Every setting with its value and source, secrets hidden; absent where a context serves no traffic. */
  configuration?: readonly ConfiguredSetting[];
}
