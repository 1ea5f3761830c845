import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

const PREFIX = "enc:v1:";
/**
 * What every sealed value starts with, whatever its version: migrations and the start-up sealing
 * pass tell sealed rows from rows written in the clear by it (`LIKE 'enc:%'`).
 */
export const SEALED_MARK = "enc:";
/** 96-bit nonces, the size GCM is specified for; random per value, so a key may seal ~2^32 values safely. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secrets at rest with AES-256-GCM under the master key, so the database (and its
 * backups) never hold an endpoint's signing secret in plain text. Sealed values look like
 * `enc:v1:<base64(iv | tag | ciphertext)>`; a value without the prefix is read as plain text,
 * so a database written before encryption keeps working and is sealed on its next write.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("the master key must be 32 bytes");
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64");
  }

  open(value: string): string {
    if (!value.startsWith(PREFIX)) return value;
    const raw = Buffer.from(value.slice(PREFIX.length), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  }

  /** Identifies the key without revealing it, so a process with the wrong key can refuse to start. */
  fingerprint(): string {
    return createHmac("sha256", this.key).update("hookline master key fingerprint").digest("hex").slice(0, 32);
  }
}

/** Whether a stored value is sealed (as opposed to written in the clear, before encryption covered it). */
export const isSealed = (value: string): boolean => value.startsWith(SEALED_MARK);

/** For stores opened without a key (tests of the store alone): values pass through unchanged. */
export const PLAINTEXT: Pick<SecretBox, "seal" | "open"> = { seal: (v) => v, open: (v) => v };
export type Sealer = Pick<SecretBox, "seal" | "open">;
