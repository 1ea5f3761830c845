import { Ajv, type ErrorObject } from "ajv";
import ajvFormats from "ajv-formats";
import { LineCounter, parseDocument, isNode } from "yaml";
import { closestName } from "../../core/did-you-mean.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { ConfigFile, ENV_REFERENCE, SOURCE_SECRET_FIELDS } from "./file-schema.ts";

/**
 * Reads the declarative file: YAML or JSON (JSON is YAML), checked against the file's schema,
 * with `${ENV:NAME}` secrets (of endpoints, and any value of a source's config) resolved from the
 * environment. Every problem names the path of the
 * field and its line (`hookline.yaml:12: applications[0].endpoints[1].url: must be a URI`) and
 * exits 5, the validation code, before anything is read from or sent to the server.
 */

export interface LoadedConfig {
  file: ConfigFile;
  /** Endpoint secrets by `appUid/endpointUid`: the value and the variable it came from. */
  secrets: Map<string, { value: string; variable: string }>;
  /** Sources' provider configs by uid, resolved, with the variable each `${ENV:NAME}` field came from. */
  sourceConfigs: Map<string, ResolvedSourceConfig>;
}

export interface ResolvedSourceConfig {
  config: Record<string, unknown>;
  /** Field → variable, for the fields written as `${ENV:NAME}` (never shown by value). */
  variables: Map<string, string>;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
ajvFormats.default(ajv);
const validate = ajv.compile(ConfigFile);

type Path = (string | number)[];

const invalid = (where: string, problems: string[]) =>
  new CliError(`${where} is not a valid Hookline configuration:\n  ${problems.join("\n  ")}`, EXIT.validation);

/** `applications[0].endpoints[1].url` */
export const showPath = (path: Path) =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(the file)";

export function parseConfig(text: string, name: string, env: NodeJS.ProcessEnv): LoadedConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw invalid(
      name,
      document.errors.slice(0, 5).map((e) => `${name}:${lines.linePos(e.pos[0]).line}: ${e.message.split("\n")[0]}`),
    );
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  const lineOf = (path: Path) => {
    // The deepest node of the path that exists (a missing field is reported on its parent's line).
    for (let n = path.length; n >= 0; n--) {
      const node = document.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return 1;
  };
  const at = (path: Path, message: string) => `${name}:${lineOf(path)}: ${showPath(path)}: ${message}`;
  if (!validate(value))
    throw invalid(
      name,
      describeErrors(validate.errors ?? []).map(([p, m]) => at(p, m)),
    );
  const file = value as ConfigFile;
  const problems: string[] = [];
  const secrets = new Map<string, { value: string; variable: string }>();
  const unique = (items: { key: string }[], path: Path, what: string) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item.key)) problems.push(at([...path, i], `${what} "${item.key}" appears twice`));
      seen.add(item.key);
    });
  };
  unique(
    (file.eventTypes ?? []).map((e) => ({ key: e.name })),
    ["eventTypes"],
    "event type",
  );
  unique(
    (file.applications ?? []).map((a) => ({ key: a.uid })),
    ["applications"],
    "application uid",
  );
  (file.applications ?? []).forEach((app, a) => {
    unique(
      (app.endpoints ?? []).map((e) => ({ key: e.uid })),
      ["applications", a, "endpoints"],
      "endpoint uid",
    );
    (app.endpoints ?? []).forEach((ep, e) => {
      if (ep.secret === undefined) return;
      const variable = ENV_REFERENCE.exec(ep.secret)![1]!;
      const secret = env[variable];
      if (secret === undefined || secret === "")
        problems.push(
          at(["applications", a, "endpoints", e, "secret"], `the environment variable ${variable} is not set`),
        );
      else secrets.set(`${app.uid}/${ep.uid}`, { value: secret, variable });
    });
  });
  unique(
    (file.sources ?? []).map((src) => ({ key: src.uid })),
    ["sources"],
    "source uid",
  );
  const sourceConfigs = new Map<string, ResolvedSourceConfig>();
  (file.sources ?? []).forEach((source, i) => {
    if (source.config === undefined) return;
    const resolved: ResolvedSourceConfig = { config: {}, variables: new Map() };
    for (const [field, value] of Object.entries(source.config)) {
      const reference = typeof value === "string" ? ENV_REFERENCE.exec(value) : null;
      if (!reference) {
        resolved.config[field] = value;
        continue;
      }
      const variable = reference[1]!;
      const secret = env[variable];
      if (secret === undefined || secret === "")
        problems.push(at(["sources", i, "config", field], `the environment variable ${variable} is not set`));
      resolved.config[field] = secret;
      resolved.variables.set(field, variable);
    }
    sourceConfigs.set(source.uid, resolved);
  });
  if (problems.length > 0) throw invalid(name, problems);
  return { file, secrets, sourceConfigs };
}

/** Ajv's errors as [path, message], one per field, with the closest name for an unknown field. */
function describeErrors(errors: ErrorObject[]): [Path, string][] {
  const out: [Path, string][] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const path: Path = error.instancePath
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    let message = error.message ?? "is invalid";
    const params = error.params as { additionalProperty?: string; missingProperty?: string };
    if (error.keyword === "additionalProperties" && params.additionalProperty) {
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const near = closestName(params.additionalProperty, known);
      path.push(params.additionalProperty);
      message = `unknown field${near ? ` (did you mean "${near}"?)` : ""}`;
    } else if (error.keyword === "required" && params.missingProperty) {
      path.push(params.missingProperty);
      message = "is required";
    } else if (
      error.keyword === "pattern" &&
      (String(path[path.length - 1]) === "secret" ||
        (path[0] === "sources" && SOURCE_SECRET_FIELDS.includes(String(path[path.length - 1]))))
    ) {
      message = "must be ${ENV:NAME}: write the secret in an environment variable, not in the file";
    } else if (error.keyword === "anyOf") continue; // a nullable field's union: its branches said it
    const key = showPath(path);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([path, message]);
  }
  return out;
}
