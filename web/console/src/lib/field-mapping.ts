/**
 * The field mapper's JSONata: the sample payload's fields (leaves of nested objects) and the
 * object constructor that keeps, renames and drops them. No DOM here, so Node tests run it.
 */

/** Nested objects are opened this deep; below it a whole value is one field (enough for typical event payloads). */
const MAX_DEPTH = 3;

/** The sample's fields, objects opened (arrays and scalars are leaves). */
export function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value && typeof value === "object" && !Array.isArray(value) && prefix.length < MAX_DEPTH) {
    const entries = Object.entries(value);
    if (entries.length) return entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return prefix.length ? [prefix] : [];
}

// No "$": a name starting with one would read as a JSONata variable.
const JSONATA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A field name as JSONata reads it: bare when it can be, in backquotes otherwise (`first-name`). */
const step = (name: string) => (JSONATA_NAME.test(name) ? name : "`" + name.replace(/`/g, "") + "`");

/** One field of the sample: its path, whether it is kept, and the name it is sent as. */
export interface MappedField {
  path: string[];
  include: boolean;
  as: string;
}

/** The JSONata object constructor that builds the chosen fields under their new names. */
export function mappingExpression(fields: MappedField[]): string {
  const chosen = fields.filter((f) => f.include && f.as.trim() !== "");
  if (!chosen.length) return "{}";
  const lines = chosen.map((f) => `  ${JSON.stringify(f.as.trim())}: payload.${f.path.map(step).join(".")}`);
  return `{\n${lines.join(",\n")}\n}`;
}
