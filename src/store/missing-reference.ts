/** SQLite's extended result code, and PostgreSQL's SQLSTATE, for a row naming a parent that does not exist. */
const SQLITE_FOREIGN_KEY = "SQLITE_CONSTRAINT_FOREIGNKEY";
const POSTGRES_FOREIGN_KEY_VIOLATION = "23503";

/**
 * Whether a write failed because a row it references is gone: for example a message whose
 * application another process deleted after this one looked it up (the lookup may come from a
 * cache up to two seconds old: core/applications/application-lookup-cache.ts). The caller answers
 * with the missing thing's 404, never a 500.
 */
export function isMissingReference(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === SQLITE_FOREIGN_KEY || code === POSTGRES_FOREIGN_KEY_VIOLATION;
}
