import { createCipheriv, createDecipheriv, hash, randomBytes, timingSafeEqual } from "node:crypto";
import { decodeKey, getEnv } from "@/lib/env";

/**
 * Provider secrets at rest: AES-256-GCM, `v1:<iv>:<tag>:<ciphertext>` in base64url.
 * The key comes from GATEHOUSE_ENCRYPTION_KEY; the plaintext never leaves the server.
 */
function key(): Buffer {
  const k = decodeKey(getEnv().GATEHOUSE_ENCRYPTION_KEY);
  if (!k) throw new Error("GATEHOUSE_ENCRYPTION_KEY must be 32 bytes");
  return k;
}

export function encryptSecret(plaintext: string, k: Buffer = key()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", k, iv);
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ["v1", iv.toString("base64url"), tag.toString("base64url"), ct.toString("base64url")].join(":");
}

export function decryptSecret(payload: string, k: Buffer = key()): string {
  const [version, iv, tag, ct] = payload.split(":");
  if (version !== "v1" || !iv || !tag || ct === undefined) throw new Error("Unrecognised secret format");
  const decipher = createDecipheriv("aes-256-gcm", k, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}

/** Digest used to store and look up long random secrets (API keys, admin tokens). */
export function sha256Hex(value: string): string {
  // One-shot hash (Node >= 20.12): the same digest as createHash() at less than half its cost (once per gateway request).
  return hash("sha256", value, "hex");
}

/** A new long random secret: `<prefix>_<43 base64url chars>` (256 bits). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
