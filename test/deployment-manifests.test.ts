import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { SETTINGS } from "../src/config.ts";

/**
 * The Kubernetes manifests (deploy/kubernetes) are rendered by kustomize (`kubectl kustomize`) and
 * every object is validated against the Kubernetes API's OpenAPI schemas (kubernetes-models, and
 * @kubernetes-models/keda for KEDA's ScaledObject): the same schemas the API server checks.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
type Validator = { validate(): void };
const MODELS: Record<string, new (data: never) => Validator> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
};

function render(overlay: string): Manifest[] | { skip: string } {
  const result = spawnSync("kubectl", ["kustomize", path.join(ROOT, "deploy/kubernetes", overlay)], {
    encoding: "utf8",
  });
  if (result.error) {
    const reason = "kubectl is not installed: the manifests cannot be rendered";
    if (process.env.CI) throw new Error(reason);
    return { skip: reason };
  }
  assert.equal(result.status, 0, `kubectl kustomize ${overlay} failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((d) => d.toJS() as Manifest);
}

function byKind(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
}

type Container = {
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }[];
  readinessProbe?: { httpGet: { path: string } };
  livenessProbe?: { httpGet: { path: string } };
  resources: { requests: { memory: string; cpu: string } };
};
const container = (m: Manifest): Container =>
  (m as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0]!;

for (const overlay of ["base", "overlays/postgres"]) {
  test(`deploy/kubernetes/${overlay} renders and every object matches the Kubernetes schemas`, (t) => {
    const manifests = render(overlay);
    if ("skip" in manifests) return t.skip(manifests.skip);
    assert.ok(manifests.length >= 8);
    for (const manifest of manifests) {
      const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      assert.ok(Model, `a schema for ${manifest.apiVersion} ${manifest.kind}`);
      assert.doesNotThrow(() => new Model(manifest as never).validate(), `${manifest.kind}/${manifest.metadata.name}`);
    }
  });
}

test("a manifest that breaks the schema is refused (the validation is not vacuous)", () => {
  const manifests = render("base");
  if ("skip" in manifests) return;
  const api = structuredClone(byKind(manifests, "Deployment", "hookline-api"));
  (container(api) as unknown as { ports: { containerPort: unknown }[] }).ports = [{ containerPort: "http" }];
  assert.throws(() => new Deployment(api as never).validate(), /containerPort/);
});

test("the api and worker Deployments: roles, probes, secrets, requests sized from the benchmarks", (t) => {
  const manifests = render("overlays/postgres");
  if ("skip" in manifests) return t.skip(manifests.skip);
  const api = container(byKind(manifests, "Deployment", "hookline-api"));
  const worker = container(byKind(manifests, "Deployment", "hookline-worker"));
  const env = (c: Container, name: string) => c.env.find((e) => e.name === name);
  assert.equal(env(api, "HOOKLINE_ROLE")?.value, "api");
  assert.equal(env(worker, "HOOKLINE_ROLE")?.value, "worker");
  assert.equal(api.readinessProbe?.httpGet.path, "/api/v1/health/ready");
  assert.equal(api.livenessProbe?.httpGet.path, "/api/v1/health");
  for (const c of [api, worker]) {
    assert.equal(env(c, "HOOKLINE_ADMIN_TOKEN")?.valueFrom?.secretKeyRef.key, "admin-token");
    assert.equal(env(c, "HOOKLINE_MASTER_KEY")?.valueFrom?.secretKeyRef.key, "master-key");
    assert.equal(env(c, "HOOKLINE_DATABASE_URL")?.valueFrom?.secretKeyRef.key, "database-url");
  }
  // docs/benchmarks.md: 324 MB peak resident while draining a large backlog.
  const mib = (q: string) => Number(q.replace("Mi", ""));
  assert.ok(mib(worker.resources.requests.memory) >= (324 * 1e6) / 2 ** 20, "a worker's request covers the peak");
  const secret = byKind(manifests, "Secret", "hookline") as unknown as { stringData: Record<string, string> };
  assert.match(secret.stringData["database-url"] ?? "", /@hookline-postgres:5432\//);
  byKind(manifests, "StatefulSet", "hookline-postgres");
  byKind(manifests, "PodDisruptionBudget", "hookline-api");
  byKind(manifests, "PodDisruptionBudget", "hookline-worker");
});

test("KEDA scales the worker Deployment on the backlog gauges Hookline exports", (t) => {
  const manifests = render("base");
  if ("skip" in manifests) return t.skip(manifests.skip);
  const scaled = byKind(manifests, "ScaledObject", "hookline-worker") as unknown as {
    spec: { scaleTargetRef: { name: string }; triggers: { type: string; metadata: { query: string } }[] };
  };
  assert.equal(scaled.spec.scaleTargetRef.name, "hookline-worker");
  const source = readFileSync(path.join(ROOT, "src/observability/queue-metrics.ts"), "utf8");
  for (const trigger of scaled.spec.triggers) {
    assert.equal(trigger.type, "prometheus");
    const metric = /^max\((hookline_[a-z_]+)\{/.exec(trigger.metadata.query)?.[1];
    assert.ok(metric && source.includes(`name: "${metric}"`), `${trigger.metadata.query} reads an exported gauge`);
  }
});

test("every HOOKLINE_* variable the manifests set is a real setting", (t) => {
  const manifests = render("overlays/postgres");
  if ("skip" in manifests) return t.skip(manifests.skip);
  const known = new Set<string>(Object.values(SETTINGS).map((s) => s.env));
  for (const m of manifests.filter((m) => m.kind === "Deployment")) {
    for (const e of container(m).env) if (e.name.startsWith("HOOKLINE_")) assert.ok(known.has(e.name), e.name);
  }
});
