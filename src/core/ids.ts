import { randomBytes } from "node:crypto";

/**
 * Svix-style ids: a prefix and 27 base62 characters (160 bits), e.g. `msg_2KWPBgLlAfxdpx2AI54pPJ85f4W`.
 * The first 48 bits are the creation time in milliseconds and the ids made by one process are
 * strictly increasing, so sorting by id sorts by creation time. Pagination iterators rely on that.
 */
export type IdPrefix =
  | "app"
  | "ep"
  | "msg"
  | "atmpt"
  | "dlv"
  | "qtask"
  | "tok"
  | "audit"
  | "src"
  | "ilog"
  | "integ"
  | "insp"
  | "ireq"
  | "alert";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_CHARS = 27;

let lastMs = 0;
let lastRandom = 0n;

function encode(value: bigint): string {
  let out = "";
  for (let i = 0; i < ID_CHARS; i++) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  let random: bigint;
  if (nowMs <= lastMs) {
    // Same millisecond (or a clock step backwards): keep the order by counting up.
    nowMs = lastMs;
    random = lastRandom + 1n;
  } else {
    random = BigInt("0x" + randomBytes(14).toString("hex")) >> 8n; // 104 random bits
  }
  lastMs = nowMs;
  lastRandom = random;
  return `${prefix}_${encode((BigInt(nowMs) << 112n) | random)}`;
}

/** The smallest id that could have been created at `ms`, for `before`/`after` time filters. */
export function idFloorAt(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encode(BigInt(Math.max(0, Math.floor(ms))) << 112n)}`;
}

/** The largest id that could have been created at `ms`: every id created at `ms` or before is at most this. */
export function idCeilingAt(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encode((BigInt(Math.max(0, Math.floor(ms)) + 1) << 112n) - 1n)}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.length === prefix.length + 1 + ID_CHARS && id.startsWith(prefix + "_");
}

/** The creation time (ms) an id begins with: the inverse of `idFloorAt` for any id of ours. */
export function idTimeMs(id: string): number {
  const encoded = id.slice(id.indexOf("_") + 1);
  let value = 0n;
  for (const char of encoded) value = value * 62n + BigInt(ALPHABET.indexOf(char));
  return Number(value >> 112n);
}
