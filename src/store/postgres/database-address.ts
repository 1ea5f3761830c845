/**
 * HOOKLINE_DATABASE_URL as libpq reads it, including the multi-host form a replicated PostgreSQL
 * is reached by: `postgres://user@db1:5432,db2:5432/hookline?target_session_attrs=read-write`.
 * node-postgres takes one host only (its URL parser rejects the list), so the list is split here
 * into one single-host URL per server, each with everything else of the original (user, password,
 * database, sslmode and other parameters); src/store/postgres/server-selector.ts picks among them.
 */

/** What a server must be for Hookline to use it (libpq's target_session_attrs, the values that can take writes). */
export type TargetSessionAttrs = "any" | "read-write" | "primary";

const TARGETS: readonly TargetSessionAttrs[] = ["any", "read-write", "primary"];

export interface DatabaseServer {
  /** host:port as written (IPv6 in brackets), for messages and logs: never the password. */
  readonly label: string;
  /** A single-host URL node-postgres can open. */
  readonly url: string;
  /** Host (without brackets) and port, when the URL listed them for the selector; absent for a plain URL passed through. */
  readonly host?: string;
  readonly port?: number;
}

export interface DatabaseAddress {
  /** In the order given: libpq tries them in that order, and so does the selector. */
  readonly servers: readonly DatabaseServer[];
  /** `any` unless the URL says otherwise (libpq's default). */
  readonly targetSessionAttrs: TargetSessionAttrs;
  /** The servers' labels joined with commas, for messages. */
  readonly label: string;
}

export class DatabaseAddressError extends Error {}

const URL_SHAPE = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/i;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;

/**
 * Parses a postgres:// or postgresql:// URL with one or several `host[:port]` separated by
 * commas (a host without a port gets 5432, as in libpq). Throws DatabaseAddressError saying what is
 * wrong; never echoes the URL (it may carry a password).
 */
export function parseDatabaseAddress(databaseUrl: string): DatabaseAddress {
  const match = URL_SHAPE.exec(databaseUrl.trim());
  if (!match) throw new DatabaseAddressError("must be a postgres:// or postgresql:// URL");
  const [, scheme, userinfo, hostList, path, query] = match as unknown as [
    string,
    string,
    string | undefined,
    string,
    string,
    string | undefined,
  ];
  const params = (query ?? "").split("&").filter(Boolean);
  let targetSessionAttrs: TargetSessionAttrs = "any";
  const kept: string[] = [];
  for (const param of params) {
    const [key, value = ""] = param.split("=", 2) as [string, string?];
    if (decodeURIComponent(key) !== "target_session_attrs") {
      kept.push(param);
      continue;
    }
    const wanted = decodeURIComponent(value);
    if (!TARGETS.includes(wanted as TargetSessionAttrs))
      throw new DatabaseAddressError(
        `target_session_attrs=${wanted} is not one Hookline can use: it writes, so it takes ${TARGETS.join(", ")}`,
      );
    targetSessionAttrs = wanted as TargetSessionAttrs;
  }
  const rest = `${path}${kept.length > 0 ? `?${kept.join("&")}` : ""}`;
  const prefix = `${scheme}${userinfo !== undefined ? `${userinfo}@` : ""}`;
  const entries = hostList.split(",");
  // One host (or none: the local socket) and nothing to check: the URL goes to node-postgres as written.
  if (entries.length === 1 && targetSessionAttrs === "any")
    return {
      servers: [{ label: hostList || "localhost", url: databaseUrl.trim() }],
      targetSessionAttrs,
      label: hostList || "localhost",
    };
  const servers = entries.map((entry, i): DatabaseServer => {
    const hostPort = HOST_PORT.exec(entry.trim());
    if (!hostPort) throw new DatabaseAddressError(`host ${i + 1} of the list ("${entry}") is not host[:port]`);
    const [, host, port = "5432"] = hostPort as unknown as [string, string, string?];
    if (Number(port) < 1 || Number(port) > 65535)
      throw new DatabaseAddressError(`host ${i + 1} of the list has port ${port}, outside 1..65535`);
    const label = `${host}:${port}`;
    return { label, url: `${prefix}${label}${rest}`, host: host.replace(/^\[(.*)\]$/, "$1"), port: Number(port) };
  });
  return { servers, targetSessionAttrs, label: servers.map((s) => s.label).join(",") };
}
