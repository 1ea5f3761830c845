import assert from "node:assert/strict";
import type { ServerProcess } from "../../support/server-process.ts";
import { LoadGenerator } from "./load.ts";

export interface OneEndpointLoad {
  appId: string;
  endpointId: string;
  load: LoadGenerator;
}

/**
 * The set-up most scenarios share: one application with one endpoint at `endpointUrl`, and an
 * open-loop load generator (not started) sending that application's messages to `target()`, a
 * function because a restarted server may answer on another port.
 */
export async function oneEndpointLoad(
  server: ServerProcess,
  options: { name: string; endpointUrl: string; target: () => string; ratePerSecond: number; maxInFlight: number },
): Promise<OneEndpointLoad> {
  const app = await server.api("POST", "/api/v1/app", { name: options.name });
  assert.equal(app.status, 201, app.text);
  const ep = await server.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: options.endpointUrl });
  assert.equal(ep.status, 201, ep.text);
  const appId = app.body.id as string;
  const load = new LoadGenerator({
    target: options.target,
    token: server.token!,
    appFor: () => appId,
    ratePerSecond: options.ratePerSecond,
    maxInFlight: options.maxInFlight,
  });
  return { appId, endpointId: ep.body.id as string, load };
}
