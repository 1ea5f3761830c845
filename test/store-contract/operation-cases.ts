/** Contract cases: background tasks, alert rules and their state, rate limits and periodic jobs. */
import assert from "node:assert/strict";
import { req, T0 } from "../support/store-fixtures.ts";
import { alertRule, backgroundTask, seedApp } from "./records.ts";
import type { StoreCase } from "./store-case.ts";

export const operationCases: StoreCase[] = [
  {
    name: "background tasks: a record reads back equal (JSON params and data); filters and pages",
    async run(s) {
      const { app } = await seedApp(s, 0);
      const tasks = [
        backgroundTask(T0, { appId: app.id }),
        backgroundTask(T0 + 1, { kind: "application.purge_content", status: "finished", data: { messagesPurged: 3 } }),
        backgroundTask(T0 + 2, { appId: app.id, status: "failed", cursor: "msg_x", data: { error: "é" } }),
      ];
      for (const t of tasks) await s.backgroundTasks.insert(t, null, null);
      for (const t of tasks) assert.deepEqual(await s.backgroundTasks.get(t.id), t);
      const ids = async (filter: Parameters<Parameters<StoreCase["run"]>[0]["backgroundTasks"]["list"]>[0]) =>
        (await s.backgroundTasks.list(filter, req(10))).data.map((t) => t.id);
      assert.deepEqual(await ids({}), [tasks[0]!.id, tasks[1]!.id, tasks[2]!.id]);
      assert.deepEqual(await ids({ appId: app.id }), [tasks[0]!.id, tasks[2]!.id]);
      assert.deepEqual(await ids({ status: "finished" }), [tasks[1]!.id]);
      assert.deepEqual(await ids({ kind: "endpoint.replay", status: "failed" }), [tasks[2]!.id]);
      const page = await s.backgroundTasks.list({}, req(2, "descending"));
      assert.deepEqual([page.data.map((t) => t.id), page.done], [[tasks[2]!.id, tasks[1]!.id], false]);
    },
  },
  {
    name: "background tasks: claim free or expired leases, oldest first; checkpoint and finish only by the owner; release",
    async run(s) {
      const tasks = [0, 1, 2, 3].map((i) => backgroundTask(T0 + i));
      await s.backgroundTasks.insert(tasks[0]!, "api", T0 + 1000);
      await s.backgroundTasks.insert(tasks[1]!, null, null);
      await s.backgroundTasks.insert(tasks[2]!, null, null);
      await s.backgroundTasks.insert({ ...tasks[3]!, status: "finished" }, null, null);
      const ids = (claimed: { id: string }[]) => claimed.map((t) => t.id);
      assert.deepEqual(ids(await s.backgroundTasks.claim("w1", T0 + 10, T0 + 500, 1)), [tasks[1]!.id]);
      assert.deepEqual(ids(await s.backgroundTasks.claim("w2", T0 + 10, T0 + 500, 10)), [tasks[2]!.id]);
      assert.deepEqual(
        ids(await s.backgroundTasks.claim("w3", T0 + 1000, T0 + 2000, 10)),
        [tasks[0]!.id, tasks[1]!.id, tasks[2]!.id],
        "every lease ran out; the finished task is never claimed",
      );
      const progress = { ...tasks[1]!, cursor: "msg_5", data: { messagesSent: 5 }, updatedAt: T0 + 1001 };
      assert.equal(await s.backgroundTasks.checkpoint(progress, "w1", T0 + 3000), false, "w1 lost the lease");
      assert.equal(await s.backgroundTasks.checkpoint(progress, "w3", T0 + 3000), true);
      assert.deepEqual(await s.backgroundTasks.get(progress.id), progress);
      assert.deepEqual(ids(await s.backgroundTasks.claim("w4", T0 + 2500, T0 + 4000, 10)), [
        tasks[0]!.id,
        tasks[2]!.id,
      ]);
      const done = { ...progress, status: "finished" as const, data: { messagesSent: 9 }, updatedAt: T0 + 2600 };
      assert.equal(await s.backgroundTasks.finish(done, "w4"), false);
      assert.equal(await s.backgroundTasks.finish(done, "w3"), true);
      assert.equal(await s.backgroundTasks.finish(done, "w3"), false, "once finished it is no longer held");
      assert.deepEqual(await s.backgroundTasks.get(done.id), done);
      await s.backgroundTasks.release("w3", [tasks[0]!.id]);
      await s.backgroundTasks.release("w4", [tasks[0]!.id]);
      assert.deepEqual(ids(await s.backgroundTasks.claim("w5", T0 + 2700, T0 + 4000, 10)), [tasks[0]!.id]);
    },
  },
  {
    name: "alert rules: a record reads back equal; list, update, delete with its state",
    async run(s) {
      const { app, endpoints } = await seedApp(s, 1);
      const rules = [
        alertRule(T0),
        alertRule(T0 + 1, {
          kind: "consecutive_failures",
          appId: app.id,
          endpointId: endpoints[0]!.id,
          disabled: true,
        }),
      ];
      for (const r of rules) await s.alerts.insertRule(r);
      assert.deepEqual(await s.alerts.getRule(rules[1]!.id), rules[1]);
      assert.deepEqual(await s.alerts.allRules(), rules);
      const page = await s.alerts.listRules(req(1, "descending"));
      assert.deepEqual([page.data, page.done], [[rules[1]], false]);
      const changed = {
        ...rules[0]!,
        name: "renamed",
        params: { threshold: 5, windowSeconds: 60, minAttempts: 1 },
        disabled: true,
        updatedAt: T0 + 9,
      };
      await s.alerts.updateRule(changed);
      assert.deepEqual(await s.alerts.getRule(changed.id), changed);
      assert.equal(await s.alerts.countFailure(changed.id, "instance"), 1);
      await s.alerts.deleteRule(changed.id);
      assert.equal(await s.alerts.getRule(changed.id), undefined);
      assert.equal(await s.alerts.clearState(changed.id, "instance"), null, "its state went with it");
    },
  },
  {
    name: "alert state: failures count up per subject; a notice is claimed once per level and dedupe window; clear",
    async run(s) {
      const rule = alertRule(T0);
      await s.alerts.insertRule(rule);
      assert.equal(await s.alerts.countFailure(rule.id, "ep_a"), 1);
      assert.equal(await s.alerts.countFailure(rule.id, "ep_a"), 2);
      assert.equal(await s.alerts.countFailure(rule.id, "ep_b"), 1);
      assert.equal(await s.alerts.claimNotice(rule.id, "ep_a", 50, T0 + 10, 1000), true);
      assert.equal(await s.alerts.claimNotice(rule.id, "ep_a", 50, T0 + 500, 1000), false, "same level, too soon");
      assert.equal(await s.alerts.claimNotice(rule.id, "ep_a", 70, T0 + 600, 1000), true, "a new level");
      assert.equal(await s.alerts.claimNotice(rule.id, "ep_a", 70, T0 + 1600, 1000), true, "the window passed");
      assert.equal(await s.alerts.countFailure(rule.id, "ep_a"), 3, "the count is kept beside the notices");
      assert.equal(await s.alerts.clearState(rule.id, "ep_a"), 70);
      assert.equal(await s.alerts.clearState(rule.id, "ep_b"), null, "never notified");
      assert.equal(await s.alerts.countFailure(rule.id, "ep_a"), 1, "cleared");
    },
  },
  {
    name: "rate limits: a bucket holds one second's worth and refills at the rate",
    async run(s) {
      assert.deepEqual(await s.rateLimits.take("ep_a", 10, 4, T0), { granted: 4, waitMs: 0 });
      assert.deepEqual(await s.rateLimits.take("ep_a", 10, 20, T0), { granted: 6, waitMs: 0 });
      assert.deepEqual(await s.rateLimits.take("ep_a", 10, 1, T0), { granted: 0, waitMs: 100 });
      assert.deepEqual(await s.rateLimits.take("ep_a", 10, 5, T0 + 250), { granted: 2, waitMs: 0 });
      assert.deepEqual(
        await s.rateLimits.take("ep_a", 10, 50, T0 + 10_000),
        { granted: 10, waitMs: 0 },
        "capped at the burst",
      );
      assert.deepEqual(
        await s.rateLimits.take("ep_b", 2, 1, T0),
        { granted: 1, waitMs: 0 },
        "buckets are per endpoint",
      );
    },
  },
  {
    name: "coordination: a job first claimed is recorded, not run; then once per interval",
    async run(s) {
      assert.equal(await s.coordination.claimJob("purge", 1000, T0), false);
      assert.equal(await s.coordination.claimJob("purge", 1000, T0 + 999), false);
      assert.equal(await s.coordination.claimJob("purge", 1000, T0 + 1000), true);
      assert.equal(await s.coordination.claimJob("purge", 1000, T0 + 1500), false);
      assert.equal(await s.coordination.claimJob("other", 1000, T0 + 1500), false, "jobs are apart");
      assert.equal(await s.coordination.claimJob("purge", 1000, T0 + 5000), true, "an overdue job runs at once");
      const stop = await s.coordination.watchForWork(() => {});
      await s.coordination.notifyWork();
      await stop();
    },
  },
];
