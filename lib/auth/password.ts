import { hash, verify } from "@node-rs/argon2";

export { MIN_PASSWORD_LENGTH } from "@/lib/members/schema";

/**
 * Dashboard passwords: argon2id (the library default; 19 MiB, 2 passes).
 * Never used on the data plane, where API keys are looked up by SHA-256 digest.
 */

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Burns the same time as a real check, so a wrong email and a wrong password look alike. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hash("gatehouse-dummy-password-for-timing");
  await verifyPassword(await dummy, password);
  return false;
}
