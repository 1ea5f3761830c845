/**
 * Exit codes of the API-client commands, one per kind of failure, so a script can tell "fix the
 * command" from "fix the token" from "try again later" without parsing text (docs/cli.md lists them).
 */
export const EXIT = {
  ok: 0,
  /** Anything else: a signature that does not verify, an unexpected answer. */
  failure: 1,
  /** The command line is wrong: unknown command or flag, missing argument, unreadable input file. */
  usage: 2,
  /** 401 or 403: no token, a wrong or revoked one, or one without access. */
  auth: 3,
  /** 404: the resource does not exist (or is not visible to the token). */
  notFound: 4,
  /** 400, 409, 413 or 422: the API refused the input; or a `plan`/`apply` file that is not valid. */
  validation: 5,
  /** The server could not be reached: refused connection, DNS failure, timeout. */
  network: 6,
  /** 5xx, 429 or any other unexpected HTTP status. */
  server: 7,
} as const;

/** A failure to report on stderr and exit with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

/** The exit code for an HTTP error status. */
export function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 400 || status === 409 || status === 413 || status === 422) return EXIT.validation;
  return EXIT.server;
}
