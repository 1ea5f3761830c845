/**
 * Checks shared by the verifiers' validateConfig. Each returns a message naming the field
 * (`config.secret …`), or null; the first message found is the one the API answers with (422).
 */

export type ConfigObject = Record<string, unknown>;

/**
 * The config as an object with only the `allowed` fields. Unknown fields are refused rather than
 * ignored: a misspelt `fallback_secret` would otherwise be stored and silently never tried.
 */
export function configObject(config: unknown, allowed: readonly string[]): ConfigObject | string {
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) return "config must be an object";
  const unknown = Object.keys(config).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    const known = allowed.length > 0 ? `allowed: ${allowed.join(", ")}` : "this source type takes no config";
    return `unknown config field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} (${known})`;
  }
  return config as ConfigObject;
}

const present = (value: unknown) => value !== undefined && value !== null;

/** Secrets stay exactly as given (they are HMAC keys), so stray whitespace is refused, not trimmed. */
export function secretProblem(config: ConfigObject, field: string, required: boolean): string | null {
  const value = config[field];
  if (!present(value)) return required ? `config.${field} is required` : null;
  if (typeof value !== "string" || value === "") return `config.${field} must be a non-empty string`;
  if (value.trim() !== value) return `config.${field} has leading or trailing whitespace (a copy-and-paste slip?)`;
  if (value.length > 1024) return `config.${field} is longer than 1024 characters`;
  return null;
}

/** A fallback is the secret being rotated out, so it cannot exist without a current one. */
export function fallbackProblem(config: ConfigObject, field: string, fallbackField: string): string | null {
  return present(config[fallbackField]) && !present(config[field])
    ? `config.${fallbackField} is set but config.${field} is not`
    : null;
}

export function stringProblem(
  config: ConfigObject,
  field: string,
  options: { required?: boolean; oneOf?: readonly string[]; pattern?: RegExp; patternText?: string } = {},
): string | null {
  const value = config[field];
  if (!present(value)) return options.required ? `config.${field} is required` : null;
  if (typeof value !== "string" || value === "") return `config.${field} must be a non-empty string`;
  if (options.oneOf && !options.oneOf.includes(value)) {
    return `config.${field} must be one of ${options.oneOf.join(", ")}; got ${JSON.stringify(value.slice(0, 40))}`;
  }
  if (options.pattern && !options.pattern.test(value)) return `config.${field} ${options.patternText}`;
  return null;
}

/** HTTP header names are RFC 9110 tokens. */
export function headerNameProblem(config: ConfigObject, field: string, required: boolean): string | null {
  return stringProblem(config, field, {
    required,
    pattern: /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/,
    patternText: "is not a valid HTTP header name",
  });
}

export function firstProblem(...problems: (string | null)[]): string | null {
  return problems.find((p) => p !== null) ?? null;
}

/** A secret and its optional rotation fallback (`secret` + `fallbackSecret`, `key` + `fallbackKey` …). */
export function secretPairProblem(config: ConfigObject, field: string, required: boolean): string | null {
  const fallbackField = `fallback${field[0]!.toUpperCase()}${field.slice(1)}`;
  return firstProblem(
    secretProblem(config, field, required),
    secretProblem(config, fallbackField, false),
    fallbackProblem(config, field, fallbackField),
  );
}

/** validateConfig for the types whose whole config is a secret and its fallback. */
export function secretOnlyConfigProblem(config: unknown, required: boolean): string | null {
  const object = configObject(config, ["secret", "fallbackSecret"]);
  return typeof object === "string" ? object : secretPairProblem(object, "secret", required);
}
