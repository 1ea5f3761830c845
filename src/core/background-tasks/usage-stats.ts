import type { Application } from "../entities.ts";
import type { TaskHandler, TaskStep } from "./task-step.ts";

/**
 * The usage tasks of Svix's Statistics API (docs/api.md, "Usage statistics"): one entry per
 * application, computed a batch of applications at a time and appended to the task's data, so a
 * task over thousands of applications holds no long transaction and resumes where it stopped.
 */

/** What `POST /api/v1/stats/usage/app` fixed when it created the task. */
export interface AppUsageParams {
  /** Inclusive, ms; a whole minute (the attempt counts are kept per minute). */
  since: number;
  /** Exclusive, ms; a whole minute. */
  until: number;
  /** The applications asked for, resolved to ids and sorted; absent for every application. */
  appIds?: string[];
}

/** The applications are read a page at a time; each costs a query or two, so a batch stays short. */
const MAX_APPS_PER_BATCH = 100;

/**
 * The next applications of a task, after its cursor: the listed ones (sorted ids), or a page of
 * every application (the cursor is then the list's iterator). Deleted ones are skipped.
 */
async function nextApplications(
  ...[ports, task, batchSize]: Parameters<TaskHandler>
): Promise<{ apps: Application[]; cursor: string | null; done: boolean }> {
  const limit = Math.max(1, Math.min(batchSize, MAX_APPS_PER_BATCH));
  const listed = (task.params as { appIds?: string[] }).appIds;
  if (listed) {
    const ids = listed.filter((id) => task.cursor === null || id > task.cursor).slice(0, limit);
    const apps = (await Promise.all(ids.map((id) => ports.store.applications.get(id)))).filter(
      (a): a is Application => a !== undefined,
    );
    const last = ids[ids.length - 1];
    return { apps, cursor: last ?? task.cursor, done: last === undefined || last === listed[listed.length - 1] };
  }
  const page = await ports.store.applications.list({ limit, iterator: task.cursor, order: "ascending" });
  return { apps: page.data, cursor: page.iterator ?? task.cursor, done: page.done || page.iterator === null };
}

const appended = (data: Record<string, unknown>, field: string, entries: unknown[]) => ({
  ...data,
  [field]: [...(Array.isArray(data[field]) ? (data[field] as unknown[]) : []), ...entries],
});

/**
 * `application.stats`: the message attempts (`messageDestinations`) each application made in the
 * range, read from the per-minute attempt counts (store.attemptStats), canceled ones included as
 * in the attempt stats API's `total`.
 */
export const applicationUsage: TaskHandler = async (ports, task, batchSize): Promise<TaskStep> => {
  const params = task.params as unknown as AppUsageParams;
  const { apps, cursor, done } = await nextApplications(ports, task, batchSize);
  const entries = [];
  for (const app of apps) {
    const rows = await ports.store.attemptStats.byEndpoint({ appId: app.id, since: params.since, until: params.until });
    entries.push({
      appId: app.id,
      appUid: app.uid,
      messageDestinations: rows.reduce((sum, r) => sum + r.total, 0),
    });
  }
  return { cursor, data: appended(task.data, "appStats", entries), done };
};

/**
 * `event-type.aggregate`: per application, the event types its endpoints subscribe to by name (or
 * pattern), and whether one of them takes every event type. Every endpoint counts, disabled ones
 * included: this describes subscriptions, not current traffic.
 */
export const eventTypeUsage: TaskHandler = async (ports, task, batchSize): Promise<TaskStep> => {
  const { apps, cursor, done } = await nextApplications(ports, task, batchSize);
  const entries = [];
  for (const app of apps) {
    const endpoints = await ports.store.endpoints.listAll(app.id);
    const names = new Set<string>();
    let catchAll = false;
    for (const endpoint of endpoints) {
      if (!endpoint.eventTypes || endpoint.eventTypes.length === 0) catchAll = true;
      else for (const name of endpoint.eventTypes) names.add(name);
    }
    entries.push({ appId: app.id, explicitlySubscribedEventTypes: [...names].sort(), hasCatchAllEndpoint: catchAll });
  }
  return { cursor, data: appended(task.data, "event_types", entries), done };
};
