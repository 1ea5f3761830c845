import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { publishedSchema, SOURCE_SECRET_FIELDS } from "../src/cli/config-as-code/file-schema.ts";
import { parseConfig } from "../src/cli/config-as-code/read-config-file.ts";
import { CliError, EXIT } from "../src/cli/exit-codes.ts";
import { SOURCE_TYPES, verifierFor } from "../src/inbound/verifier-registry.ts";

/**
 * The declarative file of `hookline plan`/`apply` on its own: the published JSON Schema is the one
 * the CLI validates with, and a file is refused with the line and path of what is wrong.
 */

function refusal(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, "h.yaml", env);
  } catch (error) {
    assert.ok(error instanceof CliError);
    assert.equal(error.code, EXIT.validation);
    return error.message;
  }
  assert.fail("the file was accepted");
}

describe("the configuration file", () => {
  test("docs/hookline-config.schema.json is the schema the CLI checks with (npm run: scripts/write-config-schema.ts)", () => {
    const published = JSON.parse(readFileSync(new URL("../docs/hookline-config.schema.json", import.meta.url), "utf8"));
    assert.deepEqual(published, publishedSchema());
  });

  test("every secret field a source type redacts must be ${ENV:NAME} in a file", () => {
    for (const type of SOURCE_TYPES) {
      const hidden = Object.keys(verifierFor(type)!.redact({}))
        .filter((k) => /^has[A-Z]/.test(k))
        .map((k) => k[3]!.toLowerCase() + k.slice(4));
      for (const field of hidden) assert.ok(SOURCE_SECRET_FIELDS.includes(field), `${type}: ${field}`);
    }
    assert.match(
      refusal("sources:\n  - uid: shop\n    name: Shop\n    type: basic-auth\n    config:\n      password: hunter22\n"),
      /h\.yaml:6: sources\[0\]\.config\.password: must be \$\{ENV:NAME\}/,
    );
    assert.match(
      refusal(
        "sources:\n  - uid: gh\n    name: GitHub\n    type: github\n    config:\n      secret: ${ENV:GH_UNSET}\n",
      ),
      /h\.yaml:6: sources\[0\]\.config\.secret: the environment variable GH_UNSET is not set/,
    );
    const loaded = parseConfig(
      "sources:\n  - uid: gh\n    name: GitHub\n    type: github\n    config:\n      secret: ${ENV:GH_SET}\n",
      "h.yaml",
      { GH_SET: "s3cret-value" },
    );
    assert.deepEqual(loaded.sourceConfigs.get("gh")?.config, { secret: "s3cret-value" });
    assert.deepEqual([...loaded.sourceConfigs.get("gh")!.variables], [["secret", "GH_SET"]]);
    assert.match(
      refusal("sources:\n  - uid: src_x\n    name: X\n    type: github\n  - uid: b\n    name: B\n    type: nope\n"),
      /h\.yaml:2: sources\[0\]\.uid: must match pattern[\s\S]*h\.yaml:7: sources\[1\]\.type/,
    );
  });

  test("YAML syntax errors, duplicates and wrong types name the line and the path", () => {
    assert.match(refusal("eventTypes:\n  - name: [\n"), /h\.yaml:\d+: /);
    assert.match(
      refusal("eventTypes:\n  - name: a.b\n    description: x\n  - name: a.b\n    description: y\n"),
      /h\.yaml:4: eventTypes\[1\]: event type "a\.b" appears twice/,
    );
    assert.match(
      refusal("applications:\n  - uid: acme\n    name: Acme\n    rateLimit: fast\n"),
      /h\.yaml:4: applications\[0\]\.rateLimit: must be integer/,
    );
    assert.match(refusal("eventtypes: []\n"), /h\.yaml:1: eventtypes: unknown field \(did you mean "eventTypes"\?\)/);
  });

  test("a secret comes from the environment, and only from there", () => {
    const text =
      "applications:\n  - uid: acme\n    name: Acme\n    endpoints:\n      - uid: p\n        url: https://example.com/h\n        secret: ${ENV:ACME_SECRET}\n";
    const loaded = parseConfig(text, "h.yaml", { ACME_SECRET: "whsec_abc" });
    assert.deepEqual(loaded.secrets.get("acme/p"), { value: "whsec_abc", variable: "ACME_SECRET" });
    assert.match(refusal(text), /the environment variable ACME_SECRET is not set/);
    assert.match(refusal(text.replace("${ENV:ACME_SECRET}", "whsec_abc")), /secret: must be \$\{ENV:NAME\}/);
  });

  test("an environment export is a valid file", () => {
    const exported = {
      version: 1,
      createdAt: "2026-06-01T12:00:00.000Z",
      eventTypes: [
        {
          name: "invoice.paid",
          description: "Paid",
          archived: false,
          deprecated: false,
          schemas: null,
          groupName: null,
          featureFlags: null,
          featureFlag: null,
          retrySchedule: null,
          createdAt: "2026-06-01T12:00:00.000Z",
          updatedAt: "2026-06-01T12:00:00.000Z",
        },
      ],
      settings: { displayName: null },
      connectors: [],
    };
    assert.equal(parseConfig(JSON.stringify(exported), "env.json", {}).file.eventTypes?.length, 1);
  });
});
