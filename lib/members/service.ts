import { db } from "@/lib/db";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { roleCan, type TenantRole } from "@/lib/authz/permissions";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit, type Tx } from "@/lib/audit/write";
import { hashPassword } from "@/lib/auth/password";
import type { AddMemberInput, Member, UpdateMemberInput } from "@/lib/members/schema";

type MemberRow = { id: string; userId: string; role: TenantRole; createdAt: Date; user: { email: string; name: string } };

const withUser = { user: { select: { email: true, name: true } } } as const;

export function toMember(row: MemberRow): Member {
  return { id: row.id, userId: row.userId, email: row.user.email, name: row.user.name, role: row.role, createdAt: row.createdAt.toISOString() };
}

/** Only owners (and platform admins) grant or take away the owner role. */
function assertMayTouchOwner(ctx: TenantCtx, ...roles: TenantRole[]): void {
  if (roles.includes("owner") && !roleCan(ctx.role, "owners:write")) {
    throw new ForbiddenError("Only owners can grant or remove the owner role");
  }
}

/** Locks the tenant's owner rows, then refuses if `membershipId` is the last of them. */
async function assertNotLastOwner(tx: Tx, ctx: TenantCtx, membershipId: string): Promise<void> {
  const owners = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM memberships WHERE tenant_id = ${ctx.tenantId} AND role = 'owner' FOR UPDATE`;
  if (owners.length <= 1 && owners.some((o) => o.id === membershipId)) {
    throw new ConflictError("A tenant must keep at least one owner", "role");
  }
}

export async function listMembers(ctx: TenantCtx): Promise<Member[]> {
  const rows = await db.membership.findMany({ where: { tenantId: ctx.tenantId }, include: withUser, orderBy: { createdAt: "asc" } });
  return rows.map(toMember);
}

export async function getMemberOrThrow(ctx: TenantCtx, id: string, tx: Tx = db): Promise<Member> {
  const row = await tx.membership.findFirst({ where: { id, tenantId: ctx.tenantId }, include: withUser });
  if (!row) throw new NotFoundError("member", id);
  return toMember(row);
}

/**
 * Adds an existing user, or creates one when a password is given. A password
 * for an existing user is refused (a tenant admin must not reset the password
 * of someone who may belong to other tenants).
 */
export async function addMember(ctx: TenantCtx, input: AddMemberInput): Promise<Member> {
  assertMayTouchOwner(ctx, input.role);
  const existing = await db.user.findFirst({ where: { email: { equals: input.email, mode: "insensitive" } } });
  if (existing && input.password) {
    throw new ConflictError("A user with this email already exists; add them without a password", "password");
  }
  if (!existing && !input.password) {
    throw new BadRequestError("No user has this email; give a password to create one", "password", "validation_failed");
  }
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return db.$transaction(async (tx) => {
    let userId = existing?.id;
    if (!userId) {
      userId = newId("user");
      await tx.user.create({ data: { id: userId, email: input.email, name: input.name ?? input.email.split("@")[0] ?? input.email, passwordHash } });
      await writeAudit(tx, ctx, { action: "user:create", resourceType: "user", resourceId: userId, after: { id: userId, email: input.email } });
    }
    const already = await tx.membership.findUnique({ where: { tenantId_userId: { tenantId: ctx.tenantId, userId } } });
    if (already) throw new ConflictError("This user is already a member", "email");
    const row = await tx.membership.create({
      data: { id: newId("membership"), tenantId: ctx.tenantId, userId, role: input.role },
      include: withUser,
    });
    const member = toMember(row);
    await writeAudit(tx, ctx, { action: "member:add", resourceType: "membership", resourceId: member.id, after: member });
    return member;
  });
}

export async function updateMemberRole(ctx: TenantCtx, id: string, input: UpdateMemberInput): Promise<Member> {
  return db.$transaction(async (tx) => {
    const before = await getMemberOrThrow(ctx, id, tx);
    if (before.role === input.role) return before;
    assertMayTouchOwner(ctx, before.role, input.role);
    if (before.role === "owner") await assertNotLastOwner(tx, ctx, id);
    const row = await tx.membership.update({ where: { id: before.id }, data: { role: input.role }, include: withUser });
    const after = toMember(row);
    await writeAudit(tx, ctx, { action: "member:update_role", resourceType: "membership", resourceId: id, before, after });
    return after;
  });
}

export async function removeMember(ctx: TenantCtx, id: string): Promise<Member> {
  return db.$transaction(async (tx) => {
    const before = await getMemberOrThrow(ctx, id, tx);
    assertMayTouchOwner(ctx, before.role);
    if (before.role === "owner") await assertNotLastOwner(tx, ctx, id);
    await tx.membership.delete({ where: { id: before.id } });
    await writeAudit(tx, ctx, { action: "member:remove", resourceType: "membership", resourceId: id, before });
    return before;
  });
}
