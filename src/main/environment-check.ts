import { SETTINGS } from "../config.ts";
import { didYouMean } from "../core/did-you-mean.ts";

/**
 * HOOKLINE_* variables that are not server settings but are read by the project's own tooling, so
 * setting them (say, exported in a shell used for both) is not a mistake worth a warning.
 */
export const TOOLING_VARIABLES: Readonly<Record<string, string>> = {
  HOOKLINE_TEST_STORE: "the test runner's store leg (sqlite or postgres)",
  HOOKLINE_TEST_POSTGRES_URL: "the PostgreSQL server of the test runner's PostgreSQL leg",
  HOOKLINE_REQUIRE_POSTGRES: "makes the test runner's PostgreSQL leg mandatory (CI)",
  HOOKLINE_POSTGRES_BIN: "where tests and benchmarks find PostgreSQL's server binaries",
  HOOKLINE_RELIABILITY_REPORT: "where the reliability suite writes its report",
  HOOKLINE_RELIABILITY_SEED: "the reliability suite's random seed",
  HOOKLINE_BENCH_SOURCE: "the commit the retention benchmark reports when it runs outside a git checkout",
  HOOKLINE_TOKEN: "the API token of the `hookline` client commands and the README's SDK example (docs/cli.md)",
  HOOKLINE_URL: "the server the `hookline` client commands call (docs/cli.md)",
  HOOKLINE_WRITE_SCREENSHOTS: "makes the API reference test refresh docs/images/api-reference.png",
};

/** Every variable whose name Hookline knows: the settings of config.ts and the tooling's. */
export function knownVariables(): Set<string> {
  return new Set([...Object.values(SETTINGS).map((s) => s.env), ...Object.keys(TOOLING_VARIABLES)]);
}

/**
 * One warning per HOOKLINE_* variable that no setting or tool reads: a misspelt setting would
 * otherwise be silently ignored and the process run at its default.
 */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = knownVariables();
  const settings = Object.values(SETTINGS).map((s) => s.env);
  return Object.keys(env)
    .filter((name) => name.startsWith("HOOKLINE_") && !known.has(name))
    .sort()
    .map(
      (name) =>
        `unknown environment variable ${name}${didYouMean(name, settings)}; it is ignored ` +
        "(`hookline serve --help` lists the settings)",
    );
}
