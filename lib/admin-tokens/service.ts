import { db } from "@/lib/db";
import { BadRequestError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { newSecret, sha256Hex } from "@/lib/crypto";
import { roleCan, type TenantRole } from "@/lib/authz/permissions";
import type { PlatformCtx, TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import { ADMIN_TOKEN_PREFIX } from "@/lib/admin-tokens/verify";
import type { AdminToken, CreateAdminTokenInput, CreatePlatformAdminTokenInput, CreatedAdminToken } from "@/lib/admin-tokens/schema";

type AdminTokenRow = {
  id: string; name: string; prefix: string; tenantId: string | null; role: TenantRole; isPlatform: boolean;
  expiresAt: Date | null; revokedAt: Date | null; lastUsedAt: Date | null; createdAt: Date;
};

const publicFields = {
  id: true, name: true, prefix: true, tenantId: true, role: true, isPlatform: true,
  expiresAt: true, revokedAt: true, lastUsedAt: true, createdAt: true,
} as const;

const DISPLAY_PREFIX_LENGTH = ADMIN_TOKEN_PREFIX.length + 1 + 4;

export function toAdminToken(row: AdminTokenRow, now = new Date()): AdminToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    tenantId: row.tenantId,
    role: row.role,
    isPlatform: row.isPlatform,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    status: row.revokedAt ? "revoked" : row.expiresAt && row.expiresAt <= now ? "expired" : "active",
  };
}

function assertFuture(expiresAt: Date | null | undefined): void {
  if (expiresAt && expiresAt <= new Date()) throw new BadRequestError("expiresAt: must be in the future", "expiresAt", "validation_failed");
}

// ------------------------------------------------------------ tenant tokens

export async function listAdminTokens(ctx: TenantCtx): Promise<AdminToken[]> {
  const rows = await db.adminToken.findMany({ where: { tenantId: ctx.tenantId, isPlatform: false }, select: publicFields, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  const now = new Date();
  return rows.map((r) => toAdminToken(r, now));
}

/** A token acting with `role` in this tenant; an owner token only from someone who may grant ownership. */
export async function createAdminToken(ctx: TenantCtx, input: CreateAdminTokenInput): Promise<CreatedAdminToken> {
  if (input.role === "owner" && !roleCan(ctx.role, "owners:write")) {
    throw new ForbiddenError("Only owners can create owner tokens");
  }
  assertFuture(input.expiresAt);
  const secret = newSecret(ADMIN_TOKEN_PREFIX);
  const token = await db.$transaction(async (tx) => {
    const row = await tx.adminToken.create({
      data: {
        id: newId("adminToken"),
        tenantId: ctx.tenantId,
        name: input.name,
        prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
        hash: sha256Hex(secret),
        role: input.role,
        isPlatform: false,
        expiresAt: input.expiresAt ?? null,
        createdById: ctx.actor.id,
      },
      select: publicFields,
    });
    const dto = toAdminToken(row);
    await writeAudit(tx, ctx, { action: "admin_token:create", resourceType: "admin_token", resourceId: dto.id, after: dto });
    return dto;
  });
  return { token, secret };
}

export async function revokeAdminToken(ctx: TenantCtx, id: string): Promise<AdminToken> {
  return db.$transaction(async (tx) => {
    const row = await tx.adminToken.findFirst({ where: { id, tenantId: ctx.tenantId, isPlatform: false }, select: publicFields });
    if (!row) throw new NotFoundError("admin_token", id);
    if (row.role === "owner" && !roleCan(ctx.role, "owners:write")) throw new ForbiddenError("Only owners can revoke owner tokens");
    if (row.revokedAt) return toAdminToken(row);
    const before = toAdminToken(row);
    const updated = await tx.adminToken.update({ where: { id: row.id }, data: { revokedAt: new Date() }, select: publicFields });
    const after = toAdminToken(updated);
    await writeAudit(tx, ctx, { action: "admin_token:revoke", resourceType: "admin_token", resourceId: id, before, after });
    return after;
  });
}

// ------------------------------------------------------------ platform-wide tokens

function assertPlatformAdmin(ctx: PlatformCtx): void {
  if (!ctx.isPlatformAdmin) throw new ForbiddenError("Only platform admins can manage platform tokens");
}

export async function listPlatformAdminTokens(ctx: PlatformCtx): Promise<AdminToken[]> {
  assertPlatformAdmin(ctx);
  const rows = await db.adminToken.findMany({ where: { isPlatform: true }, select: publicFields, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  const now = new Date();
  return rows.map((r) => toAdminToken(r, now));
}

/** A platform-wide token acts as a platform admin (owner in every tenant). */
export async function createPlatformAdminToken(ctx: PlatformCtx, input: CreatePlatformAdminTokenInput): Promise<CreatedAdminToken> {
  assertPlatformAdmin(ctx);
  assertFuture(input.expiresAt);
  const secret = newSecret(ADMIN_TOKEN_PREFIX);
  const token = await db.$transaction(async (tx) => {
    const row = await tx.adminToken.create({
      data: {
        id: newId("adminToken"),
        tenantId: null,
        name: input.name,
        prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
        hash: sha256Hex(secret),
        role: "owner",
        isPlatform: true,
        expiresAt: input.expiresAt ?? null,
        createdById: ctx.actor.id,
      },
      select: publicFields,
    });
    const dto = toAdminToken(row);
    await writeAudit(tx, ctx, { action: "admin_token:create", resourceType: "admin_token", resourceId: dto.id, after: dto });
    return dto;
  });
  return { token, secret };
}

export async function revokePlatformAdminToken(ctx: PlatformCtx, id: string): Promise<AdminToken> {
  assertPlatformAdmin(ctx);
  return db.$transaction(async (tx) => {
    const row = await tx.adminToken.findFirst({ where: { id, isPlatform: true }, select: publicFields });
    if (!row) throw new NotFoundError("admin_token", id);
    if (row.revokedAt) return toAdminToken(row);
    const before = toAdminToken(row);
    const updated = await tx.adminToken.update({ where: { id: row.id }, data: { revokedAt: new Date() }, select: publicFields });
    const after = toAdminToken(updated);
    await writeAudit(tx, ctx, { action: "admin_token:revoke", resourceType: "admin_token", resourceId: id, before, after });
    return after;
  });
}
