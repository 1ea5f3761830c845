import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import {
  exportedNames,
  PROMETHEUS,
  PROMTOOL,
  prometheusToolsMissing,
  promtool,
  type Sample,
} from "./support/metrics.ts";
import { Receiver } from "./support/receiver.ts";
import { freePort, REPO_ROOT } from "./support/server-process.ts";
import { sleep, waitUntil } from "./support/wait.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

const RULES_DIR = path.join(REPO_ROOT, "deploy", "prometheus");
const RULES = path.join(RULES_DIR, "hookline-rules.yml");
const DASHBOARD = path.join(REPO_ROOT, "deploy", "grafana", "hookline-dashboard.json");

/** PromQL words that are not metric names. */
const PROMQL_KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
]);

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, ranges,
 * grouping clauses, function calls, keywords and numbers are taken out.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    if (match[1]) continue; // a function call
    const word = match[0];
    if (PROMQL_KEYWORDS.has(word) || /^(e|inf|nan)$/i.test(word)) continue;
    names.push(word);
  }
  return names;
}

/** Every `expr:` of the shipped rules (each is one line, so no YAML parser is needed). */
function ruleExpressions(rulesText: string): string[] {
  return [...rulesText.matchAll(/^\s*expr:\s*(.+)$/gm)].map((m) => m[1]!.trim());
}

/** Every PromQL query of the dashboard: panel targets and templating queries. */
function dashboardExpressions(dashboard: {
  panels: { targets?: { expr: string }[] }[];
  templating: { list: { definition?: string }[] };
}): string[] {
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const variable of dashboard.templating.list) {
    const query = /^label_values\(([^,]+),/.exec(variable.definition ?? "");
    if (query) exprs.push(query[1]!);
  }
  return exprs;
}

describe("shipped Prometheus rules and Grafana dashboard", () => {
  let h: TestHookline;
  let receiver: Receiver;

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline();
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("pass promtool check rules and the rules' unit tests (promtool test rules)", (t) => {
    const missing = prometheusToolsMissing(PROMTOOL);
    if (missing) return t.skip(missing);
    const checked = promtool(["check", "rules", RULES]);
    assert.equal(checked.status, 0, checked.output);
    assert.match(checked.output, /SUCCESS: 4 rules found/);
    const tested = promtool(["test", "rules", path.join(RULES_DIR, "hookline-rules.test.yml")]);
    assert.equal(tested.status, 0, tested.output);
  });

  it("query only metrics a running Hookline exports", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/ok`);
    await sendMessage(h, appId);
    await h.dispatcher.idle();
    const scraped = await h.api("GET", "/metrics");
    assert.equal(scraped.status, 200);
    const exported = exportedNames(scraped.text);

    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8"));
    const exprs = [...dashboardExpressions(dashboard), ...ruleExpressions(readFileSync(RULES, "utf8"))];
    assert.ok(exprs.length >= 30, `${exprs.length} expressions found`);
    for (const expr of exprs) {
      const names = metricNamesIn(expr);
      assert.ok(names.length > 0, `no metric in ${expr}`);
      for (const name of names) assert.ok(exported.has(name), `${name} (in ${expr}) is not exported`);
    }
    // The extraction itself: a misspelt name would be caught.
    assert.deepEqual(metricNamesIn('sum by (le) (rate(hookline_typo_bucket{job=~"a"}[5m])) > 0.5'), [
      "hookline_typo_bucket",
    ]);
  });
});

/**
 * A real Prometheus scrapes a real Hookline every second and evaluates the shipped rules (their
 * expressions unchanged, `for:` shortened to 0s so the test need not wait minutes). Deliveries
 * succeed, then the receiver starts answering 500: the error-ratio alert must fire.
 */
describe("a real Prometheus against a real Hookline", () => {
  let h: TestHookline | undefined;
  let receiver: Receiver | undefined;
  let prometheus: ChildProcess | undefined;
  let prometheusUrl = "";
  let workDir = "";
  let output = "";

  const query = async (promql: string): Promise<Sample[]> => {
    const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result.map((r) => ({
      name: r.metric.__name__ ?? "",
      labels: r.metric,
      value: Number(r.value[1]),
    }));
  };
  const alerts = async () => {
    const res = await fetch(`${prometheusUrl}/api/v1/alerts`);
    const body = (await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
    return body.data.alerts;
  };

  after(async () => {
    if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
      const exited = new Promise((resolve) => prometheus!.once("exit", resolve));
      prometheus.kill("SIGTERM");
      const timer = setTimeout(() => prometheus!.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await h?.close();
    await receiver?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("fires HooklineDeliveryErrorRatioHigh once an endpoint starts failing", { timeout: 180_000 }, async (t) => {
    const missing = prometheusToolsMissing(PROMETHEUS);
    if (missing) return t.skip(missing);
    receiver = await Receiver.start();
    let failing = false;
    receiver.respond(() => (failing ? { status: 500, body: "broken" } : { status: 200, body: "ok" }));
    h = await startTestHookline();
    const { appId } = await appWithEndpoint(h, `${receiver.url}/hook`);

    workDir = mkdtempSync(path.join(tmpdir(), "hookline-prometheus-"));
    const rules = readFileSync(RULES, "utf8").replace(/^(\s*)for: \S+$/gm, "$1for: 0s");
    assert.deepEqual(ruleExpressions(rules), ruleExpressions(readFileSync(RULES, "utf8")), "expressions unchanged");
    writeFileSync(path.join(workDir, "rules.yml"), rules);
    const target = new URL(h.url).host;
    writeFileSync(
      path.join(workDir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "rule_files: [rules.yml]",
        "scrape_configs:",
        "  - job_name: hookline",
        "    metrics_path: /metrics",
        "    authorization:",
        "      type: Bearer",
        `      credentials: ${TEST_TOKEN}`,
        "    static_configs:",
        `      - targets: ["${target}"]`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(workDir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(workDir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    prometheus.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const ready = async () => {
      if (prometheus!.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
      return (await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.status === 200;
    };
    process.once("exit", () => prometheus?.kill("SIGKILL"));
    await waitUntil(ready, 60_000, "prometheus ready", 250);

    // Messages keep arriving, one every 100 ms, for the rest of the test.
    let sending = true;
    const sender = (async () => {
      while (sending) {
        await sendMessage(h!, appId);
        await sleep(100);
      }
    })();
    try {
      // Healthy: Prometheus sees successful deliveries, and the alert is not firing.
      await waitUntil(
        async () =>
          ((await query('sum(hookline_delivery_attempts_total{job="hookline",outcome="success"})'))[0]?.value ?? 0) >=
            10 && (await query('up{job="hookline"}'))[0]?.value === 1,
        60_000,
        "prometheus scraping successful deliveries",
        250,
      );
      await sleep(3_000);
      const errorRatioAlert = async () =>
        (await alerts()).find((a) => a.labels.alertname === "HooklineDeliveryErrorRatioHigh");
      assert.equal(await errorRatioAlert(), undefined, "no alert while deliveries succeed");

      // The endpoint breaks.
      failing = true;
      await waitUntil(
        async () => (await errorRatioAlert())?.state === "firing",
        90_000,
        "HooklineDeliveryErrorRatioHigh firing",
        250,
      );
      const fired = (await errorRatioAlert())!;
      assert.equal(fired.labels.severity, "warning");
      const failed = await query('sum(hookline_delivery_attempts_total{outcome="http_status",status_class="5xx"})');
      assert.ok(failed[0]!.value > 0, "Prometheus saw the 5xx attempts");
    } finally {
      sending = false;
      await sender;
    }
  });
});
