import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { loadConfig } from "../config.ts";
import { systemClock } from "../core/clock.ts";
import { EndpointDirectory } from "../core/endpoint-directory.ts";
import { HooklineMetrics } from "../observability/metrics.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { hashToken } from "./auth.ts";
import { buildHttpServer } from "./http-server.ts";
import { TRACING_OFF } from "../observability/tracing.ts";
import { AddressPolicy } from "../delivery/ssrf/address-policy.ts";

/**
 * The OpenAPI document, generated from the same TypeBox schemas that validate requests, so the
 * published contract cannot drift from what the server enforces. `npm run openapi` writes it to
 * docs/openapi.json; a test fails when the committed copy is stale.
 */
export async function generateOpenApiDocument(): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "hookline-openapi-"));
  const store = SqliteStore.open(dataDir, { synchronous: "NORMAL" });
  try {
    const config = loadConfig({ HOOKLINE_DATA_DIR: dataDir });
    const app = await buildHttpServer({
      config,
      store,
      clock: systemClock,
      log: pino({ level: "silent" }),
      endpoints: new EndpointDirectory(store),
      dispatcher: null,
      tracing: TRACING_OFF,
      adminTokenHash: hashToken("unused-for-document-generation"),
      metrics: new HooklineMetrics(config, {}),
      addressPolicy: new AddressPolicy(config.allowPrivateNetworks),
    });
    await app.ready();
    const document = JSON.stringify(app.swagger(), null, 2) + "\n";
    await app.close();
    return document;
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
