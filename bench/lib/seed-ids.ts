/**
 * Fast twin of `newId` (src/core/ids.ts) for bulk seeding: the same format (prefix, 27 base62
 * characters of `ms << 112 | 104 random bits`), but encoded five digits per BigInt division, which
 * makes a million ids take about a second instead of five. Callers pass strictly increasing `ms`
 * per table, so ids sort in creation order as the real ones do.
 */
import { randomBytes } from "node:crypto";
import { idFloorAt, type IdPrefix } from "../../src/core/ids.ts";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_CHARS = 27;
const CHUNK = 62n ** 5n;

let pool = Buffer.alloc(0);
let poolAt = 0;

function random104(): bigint {
  if (poolAt + 13 > pool.length) {
    pool = randomBytes(13 * 4096);
    poolAt = 0;
  }
  const hex = pool.toString("hex", poolAt, poolAt + 13);
  poolAt += 13;
  return BigInt("0x" + hex);
}

function encode(value: bigint): string {
  let out = "";
  let digits = 0;
  while (digits < ID_CHARS) {
    let chunk = Number(value % CHUNK);
    value /= CHUNK;
    for (let i = 0; i < 5 && digits < ID_CHARS; i++, digits++) {
      out = ALPHABET[chunk % 62] + out;
      chunk = Math.floor(chunk / 62);
    }
  }
  return out;
}

export function seedId(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encode((BigInt(ms) << 112n) | random104())}`;
}

/** Throws unless `seedId` agrees with the real id format (checked once per run, cheaply). */
export function checkSeedIdFormat(): void {
  const ms = Date.now() - 40 * 86_400_000;
  const floor = idFloorAt("msg", ms);
  const next = idFloorAt("msg", ms + 1);
  if (`msg_${encode(BigInt(ms) << 112n)}` !== floor) throw new Error("seedId encoding differs from src/core/ids.ts");
  for (let i = 0; i < 100; i++) {
    const id = seedId("msg", ms);
    if (!(id >= floor && id < next) || id.length !== floor.length) throw new Error(`seedId produced ${id}`);
  }
}
