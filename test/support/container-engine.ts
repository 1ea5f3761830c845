import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";

/**
 * A container engine the deployment tests can drive (podman, rootful), with the project's image
 * built from the repository's Dockerfile on base images made from Debian's packages by
 * deploy/container/build-base-images.sh (no public image can be pulled where these tests run).
 */
export interface ContainerEngine {
  /** The podman binary. */
  bin: string;
  /** Environment for every podman call (CONTAINERS_CONF when this machine needs one). */
  env: NodeJS.ProcessEnv;
}

export const BUILD_BASE = "localhost/hookline-base-node:20-bookworm";
export const RUNTIME_BASE = "localhost/hookline-base-node:20-bookworm-slim";
export const IMAGE_UNDER_TEST = "localhost/hookline:deployment-test";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Runs podman and returns its output; throws with stderr on failure. */
export function podman(engine: ContainerEngine, args: string[], timeoutMs = 120_000): string {
  const result = spawnSync(engine.bin, args, { env: engine.env, encoding: "utf8", timeout: timeoutMs });
  if (result.status !== 0) {
    throw new Error(`podman ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}`);
  }
  return result.stdout.trim();
}

/** Like podman(), without blocking the event loop (for long builds while a test's servers run). */
export function podmanAsync(engine: ContainerEngine, args: string[], log?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(engine.bin, args, { env: engine.env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      log?.(d.toString());
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`podman ${args.join(" ")} failed (${code}): ${err}`)),
    );
  });
}

const BUILD_LOCK = path.join(os.tmpdir(), "hookline-deployment-image.lock");

/**
 * Runs `build` while holding a lock shared by the deployment test files, which the runner starts
 * side by side: the second waits and then finds the images (or the cached layers) the first made,
 * instead of building everything twice at once. A lock older than an hour is a killed run's.
 */
export async function withBuildLock<T>(build: () => Promise<T> | T): Promise<T> {
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      try {
        if (Date.now() - statSync(BUILD_LOCK).mtimeMs > 60 * 60_000) rmSync(BUILD_LOCK, { recursive: true });
      } catch {
        // released meanwhile
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await build();
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

function works(bin: string, env: NodeJS.ProcessEnv): string | null {
  const result = spawnSync(bin, ["run", "--rm", "--network", "none", RUNTIME_BASE, "true"], {
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  return result.status === 0 ? null : (result.stderr || String(result.error)).trim();
}

/**
 * This machine's podman with its base images, or why the deployment tests cannot run here.
 *
 * Some sandboxes refuse what podman's defaults ask: raising RLIMIT_NOFILE/NPROC without
 * CAP_SYS_RESOURCE, and crun's refusal of a cgroup v1/v2 hybrid. When the default run fails, a
 * containers.conf with the current limits and runc is tried before giving up.
 */
export function findContainerEngine(): Promise<ContainerEngine | { skip: string }> {
  return withBuildLock(findContainerEngineUnlocked);
}

function findContainerEngineUnlocked(): ContainerEngine | { skip: string } {
  const bin = "podman";
  if (spawnSync(bin, ["--version"]).status !== 0) return { skip: "podman is not installed (apt-get install podman)" };
  if (process.getuid?.() !== 0) return { skip: "the deployment tests drive rootful podman: run them as root" };
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!hasImage({ bin, env }, BUILD_BASE) || !hasImage({ bin, env }, RUNTIME_BASE)) {
    if (spawnSync("mmdebstrap", ["--version"]).status !== 0) {
      return { skip: "no base images and no mmdebstrap to build them (apt-get install mmdebstrap)" };
    }
    const built = spawnSync(path.join(ROOT, "deploy/container/build-base-images.sh"), [], {
      env,
      encoding: "utf8",
      timeout: 20 * 60_000,
    });
    if (built.status !== 0) return { skip: `building the base images failed: ${built.stderr}` };
  }
  const failure = works(bin, env);
  if (failure === null) return { bin, env };
  const conf = path.join(mkdtempSync(path.join(os.tmpdir(), "hookline-podman-")), "containers.conf");
  const limit = (flag: string) => spawnSync("sh", ["-c", `ulimit -H${flag}`], { encoding: "utf8" }).stdout.trim();
  writeFileSync(
    conf,
    `[containers]\ndefault_ulimits = ["nofile=${limit("n")}:${limit("n")}", "nproc=4096:4096"]\n` +
      `[engine]\nruntime = "runc"\n`,
  );
  const withConf = { ...env, CONTAINERS_CONF: conf };
  const second = works(bin, withConf);
  if (second === null) return { bin, env: withConf };
  return { skip: `podman cannot run a container here: ${failure}; with runc and this machine's limits: ${second}` };
}

export function hasImage(engine: ContainerEngine, image: string): boolean {
  return spawnSync(engine.bin, ["image", "exists", image], { env: engine.env }).status === 0;
}

/** Builds the repository's Dockerfile on the local base images (layers are cached between runs). */
export function buildHooklineImage(engine: ContainerEngine): Promise<string> {
  return withBuildLock(() =>
    podmanAsync(engine, [
      "build",
      "--format",
      "docker", // HEALTHCHECK and STOPSIGNAL are Docker image settings; the OCI format drops the check
      "--build-arg",
      `BUILD_IMAGE=${BUILD_BASE}`,
      "--build-arg",
      `NODE_IMAGE=${RUNTIME_BASE}`,
      "-t",
      IMAGE_UNDER_TEST,
      ROOT,
    ]),
  );
}

/** Skips the test with the reason, except in CI, where the deployment tests must run. */
export function skipOrFail(t: { skip: (message: string) => void }, reason: string): void {
  if (process.env.CI) throw new Error(`deployment test cannot run in CI: ${reason}`);
  t.skip(reason);
}

/**
 * What a deployment test leaves behind (containers, volumes, receivers, a PostgreSQL cluster),
 * undone in reverse order after the file's tests, best effort: a container or volume may already
 * be gone, and one step failing must not keep the others from running.
 */
export function deploymentCleanups(): (() => unknown)[] {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // best effort
      }
    }
  });
  return cleanups;
}
