import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { SETTINGS } from "../src/config.ts";
import { skipOrFail } from "./support/container-engine.ts";

/**
 * compose.yaml: Compose itself checks the file (`docker-compose config`, Debian's docker-compose),
 * and the two profiles have the shape docs/deployment.md describes. Running the cluster profile
 * needs a PostgreSQL image, which cannot be pulled where this runs (docs/deployment.md says how
 * the cluster topology was checked instead).
 */
const ROOT = path.resolve(import.meta.dirname, "..");
type Service = {
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
};
const compose = parse(readFileSync(path.join(ROOT, "compose.yaml"), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const inProfile = (profile: string) =>
  Object.entries(compose.services)
    .filter(([, s]) => s.profiles?.includes(profile))
    .map(([name]) => name)
    .sort();

test("Compose accepts compose.yaml", (t) => {
  const result = spawnSync("docker-compose", ["--file", path.join(ROOT, "compose.yaml"), "config", "--quiet"], {
    encoding: "utf8",
  });
  if (result.error) return skipOrFail(t, "docker-compose is not installed (apt-get install docker-compose)");
  assert.equal(result.status, 0, result.stderr);
});

test("the embedded profile: one container with its data directory on a volume", () => {
  assert.deepEqual(inProfile("embedded"), ["hookline"]);
  const hookline = compose.services.hookline!;
  assert.ok(hookline.volumes?.some((v) => v.endsWith(":/var/lib/hookline")));
  assert.equal(hookline.environment?.HOOKLINE_DATABASE_URL, undefined);
});

test("the cluster profile: PostgreSQL, an api service and a scalable worker service", () => {
  assert.deepEqual(inProfile("cluster"), ["api", "postgres", "worker"]);
  const { api, worker } = compose.services as Record<string, Service>;
  assert.equal(api!.environment?.HOOKLINE_ROLE, "api");
  assert.equal(worker!.environment?.HOOKLINE_ROLE, "worker");
  for (const s of [api!, worker!]) assert.match(s.environment?.HOOKLINE_DATABASE_URL ?? "", /@postgres:5432\//);
  assert.equal(worker!.ports, undefined, "no fixed host port, so --scale worker=N can start N");
  assert.equal(api!.depends_on?.postgres?.condition, "service_healthy");
});

test("every HOOKLINE_* variable compose.yaml sets is a real setting", () => {
  const known = new Set<string>(Object.values(SETTINGS).map((s) => s.env));
  for (const service of Object.values(compose.services)) {
    for (const name of Object.keys(service.environment ?? {})) {
      if (name.startsWith("HOOKLINE_")) assert.ok(known.has(name), name);
    }
  }
});
