import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { cli, explain } from "./support/cli-client.ts";
import { assertNoSecret, closeServers, envFor, file, SECRET, server } from "./support/config-as-code.ts";

/**
 * `hookline plan` / `apply` refuse an invalid configuration file before calling the server: each
 * bad field with its line and path, exit 5 (validation), never echoing a secret.
 */

after(closeServers);

describe("configuration as code: invalid files", () => {
  test("an invalid file is refused with the path and line of each bad field, exit 5", async () => {
    const h = await server();
    const bad = file(
      "bad.yaml",
      `applications:
  - uid: acme
    name: Acme
    endpoints:
      - uid: primary
        urll: https://example.com/hooks
      - uid: second
        url: https://example.com/2
        secret: ${SECRET}
`,
    );
    const refused = await cli(["plan", "-f", bad], envFor(h));
    assert.equal(refused.code, 5, explain(refused));
    assert.ok(
      refused.stderr.includes('bad.yaml:6: applications[0].endpoints[0].urll: unknown field (did you mean "url"?)'),
      explain(refused),
    );
    assert.ok(refused.stderr.includes("bad.yaml:5: applications[0].endpoints[0].url: is required"), explain(refused));
    assert.ok(refused.stderr.includes("bad.yaml:9: applications[0].endpoints[1].secret: must be ${ENV:NAME}"));
    assertNoSecret(refused.stdout + refused.stderr);

    const unset = file(
      "unset.yaml",
      "applications:\n  - uid: acme\n    name: Acme\n    endpoints:\n      - uid: p\n        url: https://example.com/h\n        secret: ${ENV:CONFIG_TEST_UNSET_SECRET}\n",
    );
    const missing = await cli(["apply", "-f", unset, "--yes"], envFor(h));
    assert.equal(missing.code, 5, explain(missing));
    assert.match(
      missing.stderr,
      /unset\.yaml:7: applications\[0\]\.endpoints\[0\]\.secret: the environment variable CONFIG_TEST_UNSET_SECRET is not set/,
    );
    assert.equal((await h.api("GET", "/api/v1/app/acme")).status, 404, "nothing was applied");
  });
});
