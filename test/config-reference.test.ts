import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parseFlags, SETTINGS, type SettingName } from "../src/config.ts";
import { closestName, editDistance } from "../src/core/did-you-mean.ts";
import { knownVariables, unknownVariableWarnings } from "../src/main/environment-check.ts";
import { configurationReference, nonDefaultSettings, SETTINGS_REFERENCE } from "../src/main/settings-reference.ts";
import { formattedConfigurationDocs } from "../scripts/write-config-docs.ts";
import { REPO_ROOT } from "./support/server-process.ts";

/** The settings' reference text, the known HOOKLINE_* variables and the "did you mean" suggestions. */

describe("did you mean", () => {
  it("counts a swap of neighbouring characters as one edit", () => {
    assert.equal(editDistance("prot", "port"), 1);
    assert.equal(editDistance("port", "port"), 0);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
  });

  it("suggests the closest name, and nothing when nothing is close", () => {
    assert.equal(closestName("HOOKLINE_PROT", ["HOOKLINE_PORT", "HOOKLINE_HOST"]), "HOOKLINE_PORT");
    assert.equal(closestName("data-dri", ["data-dir", "database-url"]), "data-dir");
    assert.equal(closestName("bogus", ["port", "host", "lease"]), null);
    assert.equal(closestName("port", ["port"]), null, "an exact name is not a misspelling");
    assert.equal(closestName("filtertypes", ["filterTypes", "filter"]), "filterTypes", "a different case is");
  });

  it("an unknown flag names the closest known flag, a command's own flags included", () => {
    assert.throws(() => parseFlags(["--prot", "1"]), /unknown flag --prot \(did you mean --port\?\)/);
    assert.throws(() => parseFlags(["--nmae", "x"], ["--name"]), /unknown flag --nmae \(did you mean --name\?\)/);
    assert.throws(
      () => parseFlags(["--bogus", "1"]),
      (e: Error) => !e.message.includes("did you mean"),
    );
  });
});

describe("unknown HOOKLINE_* variables", () => {
  it("warns about a misspelt setting with a suggestion, and about nothing else", () => {
    const warnings = unknownVariableWarnings({
      HOOKLINE_PROT: "9090",
      HOOKLINE_PORT: "9090",
      HOOKLINE_TEST_STORE: "postgres",
      HOOKLINE_REQUIRE_POSTGRES: "1",
      PATH: "/usr/bin",
      HOOKLINE_ZZZZZZZZZZZZZZZZZZ: "x",
    });
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.match(warnings[0]!, /unknown environment variable HOOKLINE_PROT \(did you mean HOOKLINE_PORT\?\)/);
    assert.match(warnings[1]!, /unknown environment variable HOOKLINE_ZZZZZZZZZZZZZZZZZZ; it is ignored/);
  });

  it("every setting's variable is known, so a setting added to config.ts is never warned about", () => {
    for (const s of Object.values(SETTINGS)) assert.ok(knownVariables().has(s.env), s.env);
  });

  it("knows every HOOKLINE_* variable the project's own code, tests, benchmarks and scripts read", () => {
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const file = path.join(dir, entry);
        if (statSync(file).isDirectory()) walk(file);
        else if (/\.(ts|js|mjs|sh)$/.test(entry))
          for (const m of readFileSync(file, "utf8").matchAll(/(?<![A-Z_])HOOKLINE_[A-Z0-9_]+/g)) used.add(m[0]);
      }
    };
    for (const dir of ["src", "test", "bench", "scripts", "bin"]) walk(path.join(REPO_ROOT, dir));
    // Names of things that are not variables, and the misspellings these tests use on purpose.
    for (const notAVariable of ["HOOKLINE_PROT", "HOOKLINE_ZZZZZZZZZZZZZZZZZZ", "HOOKLINE_PORTT"])
      used.delete(notAVariable);
    const unknown = [...used].filter((name) => !knownVariables().has(name));
    assert.deepEqual(unknown, [], "add a setting to config.ts, or a tooling variable to main/environment-check.ts");
  });
});

describe("the configuration reference", () => {
  it("has a default, a meaning and an example for every setting", () => {
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const ref = SETTINGS_REFERENCE[name];
      assert.ok(ref, `${name} has no entry in SETTINGS_REFERENCE (src/main/settings-reference.ts)`);
      assert.ok(ref.default && ref.meaning && ref.example, name);
    }
    const text = configurationReference();
    for (const s of Object.values(SETTINGS)) assert.match(text, new RegExp(`${s.env}\\s+\\(--${s.flag}\\)`));
  });

  it("every example is a valid value", () => {
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const ref = SETTINGS_REFERENCE[name]!;
      if (ref.example.startsWith("$(")) continue; // a shell command that makes one
      assert.doesNotThrow(() => nonDefaultSettings({}, { [name]: ref.example }), name);
      assert.equal(
        nonDefaultSettings({}, { [name]: ref.example }).length,
        1,
        `${name}'s example differs from its default`,
      );
    }
  });

  it("lists the settings given that differ from their defaults, secrets hidden", () => {
    const listed = nonDefaultSettings(
      {
        HOOKLINE_PORT: "8080", // the default: not listed
        HOOKLINE_RETENTION_DAYS: "30",
        HOOKLINE_ADMIN_TOKEN: "a-very-secret-admin-token",
        HOOKLINE_MASTER_KEY: Buffer.alloc(32, 1).toString("base64"),
        HOOKLINE_DATABASE_URL: "postgres://hookline:s3cret@db.internal:5432/hookline",
      },
      { logLevel: "warn" },
    );
    assert.deepEqual(listed, [
      { env: "HOOKLINE_ADMIN_TOKEN", flag: "admin-token", value: "(hidden)" },
      { env: "HOOKLINE_LOG_LEVEL", flag: "log-level", value: "warn" },
      {
        env: "HOOKLINE_DATABASE_URL",
        flag: "database-url",
        value: "postgres://hookline:***@db.internal:5432/hookline",
      },
      { env: "HOOKLINE_RETENTION_DAYS", flag: "retention-days", value: "30" },
      { env: "HOOKLINE_MASTER_KEY", flag: "master-key", value: "(hidden)" },
    ]);
  });

  it("docs/configuration.md is current (run `npm run config-docs` after changing a setting)", async () => {
    const file = path.join(REPO_ROOT, "docs", "configuration.md");
    assert.equal(readFileSync(file, "utf8"), await formattedConfigurationDocs(file));
  });
});
