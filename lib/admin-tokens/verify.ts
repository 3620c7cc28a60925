import { db } from "@/lib/db";
import { sha256Hex } from "@/lib/crypto";
import type { TenantRole } from "@/lib/authz/permissions";

export const ADMIN_TOKEN_PREFIX = "gh_admin";
const SECRET_RE = /^gh_admin_[A-Za-z0-9_-]{43}$/;
const TOUCH_EVERY_MS = 60_000;

export interface ActiveAdminToken {
  id: string;
  name: string;
  /** null for platform-wide tokens. */
  tenantId: string | null;
  role: TenantRole;
  isPlatform: boolean;
}

export function looksLikeAdminToken(secret: string): boolean {
  return SECRET_RE.test(secret);
}

/**
 * The token a `gh_admin_...` secret belongs to, looked up by SHA-256 digest;
 * null when unknown, revoked or expired. Records lastUsedAt (at most once a minute).
 */
export async function findActiveAdminToken(secret: string, now = new Date()): Promise<ActiveAdminToken | null> {
  if (!looksLikeAdminToken(secret)) return null;
  const row = await db.adminToken.findUnique({ where: { hash: sha256Hex(secret) } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  if (!row.isPlatform && !row.tenantId) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await db.adminToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { id: row.id, name: row.name, tenantId: row.isPlatform ? null : row.tenantId, role: row.role, isPlatform: row.isPlatform };
}
