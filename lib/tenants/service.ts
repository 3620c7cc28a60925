import { db } from "@/lib/db";
import { BadRequestError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { PlatformCtx, TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import type { Principal } from "@/lib/http/principal";
import { listTenantsForUser } from "@/lib/tenants/access";
import { publishConfigChange } from "@/lib/config-events";
import { TenantSettings, type CreateTenantInput, type Me, type Tenant, type TenantListItem } from "@/lib/tenants/schema";

type TenantRow = { id: string; slug: string; name: string; settings: unknown; createdAt: Date; updatedAt: Date };

export function toTenant(row: TenantRow): Tenant {
  const settings = TenantSettings.safeParse(row.settings ?? {});
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    settings: settings.success ? settings.data : {},
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Tenants the caller can open: a user's memberships (all for platform admins), a token's own tenant. */
export async function listTenantsForPrincipal(principal: Principal): Promise<TenantListItem[]> {
  if (principal.kind === "user") return listTenantsForUser(principal.user);
  const { token } = principal;
  if (token.isPlatform) {
    const all = await db.tenant.findMany({ orderBy: { name: "asc" }, select: { id: true, slug: true, name: true } });
    return all.map((t) => ({ ...t, role: "owner" as const }));
  }
  const t = token.tenantId ? await db.tenant.findUnique({ where: { id: token.tenantId }, select: { id: true, slug: true, name: true } }) : null;
  return t ? [{ ...t, role: token.role }] : [];
}

export async function getMe(principal: Principal): Promise<Me> {
  return {
    user: principal.kind === "user" ? principal.user : null,
    actor:
      principal.kind === "user"
        ? { type: "user", id: principal.user.id, label: principal.user.email }
        : { type: "admin_token", id: principal.token.id, label: principal.token.name },
    tenants: await listTenantsForPrincipal(principal),
  };
}

/** Creates a tenant (platform admins only), optionally with an existing user as its first owner. */
export async function createTenant(ctx: PlatformCtx, input: CreateTenantInput): Promise<Tenant> {
  if (!ctx.isPlatformAdmin) throw new ForbiddenError("Only platform admins can create tenants");
  const owner = input.ownerEmail
    ? await db.user.findFirst({ where: { email: { equals: input.ownerEmail, mode: "insensitive" } } })
    : null;
  if (input.ownerEmail && !owner) throw new BadRequestError(`No user with email ${input.ownerEmail}`, "ownerEmail", "validation_failed");
  const tenant = await db.$transaction(async (tx) => {
    const row = await tx.tenant.create({ data: { id: newId("tenant"), slug: input.slug, name: input.name } });
    if (owner) await tx.membership.create({ data: { id: newId("membership"), tenantId: row.id, userId: owner.id, role: "owner" } });
    const dto = toTenant(row);
    await writeAudit(tx, ctx, { action: "tenant:create", resourceType: "tenant", resourceId: row.id, after: { ...dto, ownerEmail: owner?.email ?? null } });
    return dto;
  });
  await publishConfigChange({ tenantId: tenant.id, kind: "tenant", id: tenant.id });
  return tenant;
}

/** The tenant row itself (settings page). */
export async function getTenantSettings(ctx: TenantCtx): Promise<Tenant> {
  const row = await db.tenant.findUnique({ where: { id: ctx.tenantId } });
  if (!row) throw new NotFoundError("tenant", ctx.tenantSlug);
  return toTenant(row);
}
