import { createHash } from "node:crypto";

/**
 * Migration checksums exactly as Prisma's schema engine computes them
 * (prisma-engines schema-connector/src/checksum.rs): sha256 of the
 * migration.sql text, lower-case hex, zero-padded to 64 characters.
 */
export function migrationChecksum(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}

/**
 * Prisma's `script_matches_checksum`: line-ending agnostic (git may turn \n
 * into \r\n on checkout), and tolerant of the old engine bug that dropped the
 * zero padding of each byte (prisma-engines#1887).
 */
export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant, "utf8").digest();
    const rendered =
      checksum.length !== 0 && checksum.length !== 64
        ? Array.from(digest, (b) => b.toString(16)).join("")
        : digest.toString("hex");
    return rendered === checksum;
  });
}
