import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import type { TenantRole } from "@/lib/authz/permissions";
import type { SessionUser } from "@/lib/auth/session";

export interface TenantAccess {
  tenant: { id: string; slug: string; name: string };
  role: TenantRole;
}

export interface TenantListItem {
  id: string;
  slug: string;
  name: string;
  role: TenantRole;
}

/**
 * The caller's role in the tenant named by `slug`. A platform admin acts as
 * owner everywhere. Unknown slug and "not a member" are the same 404, so the
 * existence of other tenants does not leak.
 */
export async function getTenantAccess(user: SessionUser, slug: string): Promise<TenantAccess> {
  const tenant = await db.tenant.findUnique({
    where: { slug },
    select: { id: true, slug: true, name: true, memberships: { where: { userId: user.id }, select: { role: true } } },
  });
  if (!tenant) throw new NotFoundError("tenant", slug);
  const { memberships, ...t } = tenant;
  if (user.isPlatformAdmin) return { tenant: t, role: "owner" };
  const membership = memberships[0];
  if (!membership) throw new NotFoundError("tenant", slug);
  return { tenant: t, role: membership.role };
}

/** Tenants the user can open, by name; every tenant (as owner) for a platform admin. */
export async function listTenantsForUser(user: SessionUser): Promise<TenantListItem[]> {
  if (user.isPlatformAdmin) {
    const tenants = await db.tenant.findMany({ orderBy: { name: "asc" }, select: { id: true, slug: true, name: true } });
    return tenants.map((t) => ({ ...t, role: "owner" as const }));
  }
  const memberships = await db.membership.findMany({
    where: { userId: user.id },
    select: { role: true, tenant: { select: { id: true, slug: true, name: true } } },
    orderBy: { tenant: { name: "asc" } },
  });
  return memberships.map((m) => ({ ...m.tenant, role: m.role }));
}
