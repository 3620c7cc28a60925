import { db } from "@/lib/db";
import { sha256Hex } from "@/lib/crypto";

/** What the data plane learns from a valid key. */
export interface ActiveApiKey {
  id: string;
  tenantId: string;
  tenantSlug: string;
  featureId: string | null;
  scopes: string[];
  expiresAt: Date | null;
}

const SECRET_RE = /^gh_live_[A-Za-z0-9_-]{43}$/;

/**
 * The key with this SHA-256 hex digest, or null when unknown, revoked or
 * expired. A digest lookup on a unique index: microseconds, fit for the
 * request path (slow password hashes are for dashboard passwords only).
 */
export async function findActiveApiKeyByDigest(digest: string, now = new Date()): Promise<ActiveApiKey | null> {
  const row = await db.apiKey.findUnique({
    where: { hash: digest },
    select: { id: true, tenantId: true, featureId: true, scopes: true, expiresAt: true, revokedAt: true, tenant: { select: { slug: true } } },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  return { id: row.id, tenantId: row.tenantId, tenantSlug: row.tenant.slug, featureId: row.featureId, scopes: row.scopes, expiresAt: row.expiresAt };
}

/** `gh_live_...` secret -> active key, or null. */
export async function verifyApiKey(secret: string, now = new Date()): Promise<ActiveApiKey | null> {
  if (!SECRET_RE.test(secret)) return null;
  return findActiveApiKeyByDigest(sha256Hex(secret), now);
}
