/**
 * Tells store errors that mean "the database cannot take this write right now" (the disk is full,
 * the file or the server is read-only, the server is unreachable or shutting down) from every
 * other error. The API answers the former with 503 and Retry-After, so a client retries later
 * instead of treating its message as accepted or as a bug of ours (500); the request itself was
 * fine.
 */

/** Seconds a client is told to wait before retrying; the conditions above take seconds to clear at best. */
export const STORE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * SQLite primary result codes (better-sqlite3 reports the extended name, e.g. SQLITE_IOERR_WRITE,
 * SQLITE_READONLY_DBMOVED): FULL (disk full, ENOSPC), READONLY (read-only file or file system),
 * IOERR (the disk failed a read or write), CANTOPEN (the WAL or journal cannot be created), BUSY
 * (another process held the write lock longer than busy_timeout).
 */
const SQLITE_PRIMARY = new Set(["SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_BUSY"]);

/**
 * PostgreSQL SQLSTATEs: 53000 insufficient resources, 53100 disk full, 53200 out of memory,
 * 53300 too many connections; 25006 read-only transaction (a standby, or
 * default_transaction_read_only); 57P01-57P03 the server is shutting down, crashed or starting.
 */
const POSTGRES_STATES = new Set(["53000", "53100", "53200", "53300", "25006", "57P01", "57P02", "57P03"]);

/** Socket errors reaching the database server. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"]);

/** node-postgres reports a dropped or unobtainable connection with a message and no code. */
const POSTGRES_CONNECTION_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  // A connection not established within HOOKLINE_DATABASE_CONNECT_TIMEOUT (pg's own wording).
  "timeout expired",
  "Client has encountered a connection error",
];

export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code !== "") {
    if (code.startsWith("SQLITE_")) return SQLITE_PRIMARY.has(code.replace(/^(SQLITE_[A-Z]+)_.*$/, "$1"));
    // Class 08, connection exception, except 08P01 (a protocol violation is our bug, not an outage).
    if (/^08[0-9A-Z]{3}$/.test(code)) return code !== "08P01";
    return POSTGRES_STATES.has(code) || NETWORK_CODES.has(code);
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === "string" && POSTGRES_CONNECTION_MESSAGES.some((m) => message.startsWith(m));
}
