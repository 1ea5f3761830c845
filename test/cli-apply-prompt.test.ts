import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { closeServers, envFor, file, server } from "./support/config-as-code.ts";
import { noTerminal, runOnTerminal, type TerminalRun } from "./support/terminal.ts";

/**
 * `hookline apply` without --yes, on a real pseudo-terminal: it prints the plan, asks, and applies
 * only when the answer is yes; any other answer changes nothing and exits 1.
 */

after(closeServers);

const CONFIG = `applications:
  - uid: acme
    name: Acme
    endpoints:
      - uid: primary
        url: https://example.com/hooks
        secret: \${ENV:ACME_SECRET}
`;

const PROMPT = /Apply these 2 changes to http:\/\/[^?]+\? \[y\/N\] /;
const explain = (r: TerminalRun) => `exit ${r.code}${r.timedOut ? " (TIMED OUT)" : ""}\n--- screen ---\n${r.screen}`;

describe("apply's confirmation on a terminal", { concurrency: true, skip: noTerminal ?? false }, () => {
  test("answering y applies the plan", async () => {
    const h = await server();
    const run = await runOnTerminal(["apply", "-f", file("hookline.yaml", CONFIG)], envFor(h), [
      { prompt: PROMPT, type: "y" },
    ]);
    assert.equal(run.code, 0, explain(run));
    assert.ok(run.screen.indexOf("+ endpoint acme/primary") < run.screen.search(PROMPT), explain(run));
    assert.match(run.screen, /Applied: 2 created, 0 updated, 0 deleted/);
    assert.equal((await h.api("GET", "/api/v1/app/acme/endpoint/primary")).status, 200);
  });

  test("answering anything else, or nothing, applies nothing and exits 1", async () => {
    const h = await server();
    const config = file("hookline.yaml", CONFIG);
    for (const answer of ["n", "", "yes please"]) {
      const run = await runOnTerminal(["apply", "-f", config], envFor(h), [{ prompt: PROMPT, type: answer }]);
      assert.equal(run.code, 1, `answer ${JSON.stringify(answer)}: ${explain(run)}`);
      assert.match(run.screen, /Nothing applied\./);
    }
    assert.equal((await h.api("GET", "/api/v1/app/acme")).status, 404);
  });
});
