import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, validationError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { roleCan, type Permission } from "@/lib/authz/permissions";
import type { PlatformCtx, TenantCtx } from "@/lib/authz/context";
import { writeAudit, type Tx } from "@/lib/audit/write";
import type { AuditLogEntry } from "@/lib/audit/schema";
import { toAuditLogEntry } from "@/lib/audit/service";
import { publishConfigChange } from "@/lib/config-events";
import { asArray } from "@/lib/http/json";
import { FlagDefinition, type FlagDefinitionInput } from "@/lib/flags/rules";
import type { CreateFlagInput, Flag, UpdateFlagInput, UpdateGlobalFlagInput } from "@/lib/flags/schema";

/**
 * Flags and kill switches: the control plane's writes. Every mutation checks
 * the caller's role (the route wrapper checked `flags:write`; a kill switch
 * needs `kill_switches:write` on top), validates the whole flag
 * (FlagDefinition: scope vs ids, percentages, rules), writes its audit row in
 * the same transaction, and announces the change after the commit so every
 * gateway instance reloads its snapshot (lib/config-events).
 */

type FlagRow = Prisma.FlagGetPayload<object>;

export function toFlag(r: FlagRow): Flag {
  return {
    id: r.id,
    tenantId: r.tenantId,
    isGlobal: r.tenantId === null,
    key: r.key,
    kind: r.kind,
    scope: r.scope,
    featureId: r.featureId,
    routeTargetId: r.routeTargetId,
    providerId: r.providerId,
    enabled: r.enabled,
    rolloutPercent: r.rolloutPercent,
    rules: asArray(r.rules),
    owner: r.owner,
    description: r.description,
    expectedLifetimeDays: r.expectedLifetimeDays,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The tenant's flags and kill switches, plus the platform-wide ones (global first). */
export async function listFlags(ctx: TenantCtx): Promise<Flag[]> {
  const rows = await db.flag.findMany({
    where: { OR: [{ tenantId: ctx.tenantId }, { tenantId: null }] },
    orderBy: [{ key: "asc" }],
  });
  return rows.map(toFlag).sort((a, b) => Number(b.isGlobal) - Number(a.isGlobal));
}

/** One flag the tenant can see: its own, or a platform-wide one (read-only here). */
export async function getFlagOrThrow(ctx: TenantCtx, id: string): Promise<Flag> {
  const row = await db.flag.findFirst({ where: { id, OR: [{ tenantId: ctx.tenantId }, { tenantId: null }] } });
  if (!row) throw new NotFoundError("flag", id);
  return toFlag(row);
}

function requirePermission(ctx: TenantCtx, permission: Permission, what: string): void {
  if (!roleCan(ctx.role, permission)) throw new ForbiddenError(`Your role '${ctx.role}' does not allow ${permission} (${what})`);
}

/** FlagDefinition over the whole flag: a 400 naming the first bad field. */
function parseDefinition(input: Record<string, unknown>): FlagDefinition {
  const parsed = FlagDefinition.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data;
}

function refuseGlobalScope(def: FlagDefinition): void {
  if (def.scope === "global") {
    throw new BadRequestError(
      "scope: a flag of scope global is platform-wide; platform admins manage those (/api/admin/global-flags). Use scope tenant for this tenant",
      "scope",
      "validation_failed",
    );
  }
}

/** featureId / routeTargetId / providerId must name rows of this tenant (400 naming the field). */
async function checkReferences(tx: Tx, ctx: TenantCtx, def: FlagDefinition): Promise<void> {
  if (def.featureId) {
    const f = await tx.feature.findFirst({ where: { id: def.featureId, tenantId: ctx.tenantId }, select: { id: true } });
    if (!f) throw new BadRequestError(`featureId: no feature '${def.featureId}' in this tenant`, "featureId", "validation_failed");
  }
  if (def.routeTargetId) {
    const t = await tx.routeTarget.findFirst({ where: { id: def.routeTargetId, tenantId: ctx.tenantId }, select: { id: true } });
    if (!t) throw new BadRequestError(`routeTargetId: no route target '${def.routeTargetId}' in this tenant`, "routeTargetId", "validation_failed");
  }
  if (def.providerId) {
    const [p, m] = await Promise.all([
      tx.provider.findFirst({ where: { id: def.providerId, tenantId: ctx.tenantId }, select: { id: true } }),
      tx.providerModel.findFirst({ where: { id: def.providerId, tenantId: ctx.tenantId }, select: { id: true } }),
    ]);
    if (!p && !m) {
      throw new BadRequestError(`providerId: no provider or model '${def.providerId}' in this tenant`, "providerId", "validation_failed");
    }
  }
}

function rowData(def: FlagDefinition) {
  return {
    kind: def.kind,
    scope: def.scope,
    featureId: def.featureId,
    routeTargetId: def.routeTargetId,
    providerId: def.providerId,
    enabled: def.enabled,
    rolloutPercent: def.rolloutPercent,
    rules: def.rules as Prisma.InputJsonValue,
    owner: def.owner,
    description: def.description,
    expectedLifetimeDays: def.expectedLifetimeDays,
  };
}

/** Creates a flag (a kill switch needs kill_switches:write). `owner` defaults to the caller. */
export async function createFlag(ctx: TenantCtx, input: CreateFlagInput): Promise<Flag> {
  const def = parseDefinition({ ...stripUndefined(input), owner: input.owner ?? ctx.actor.label });
  refuseGlobalScope(def);
  if (def.kind === "kill_switch") requirePermission(ctx, "kill_switches:write", `creating kill switch '${def.key}'`);
  const flag = await db.$transaction(async (tx) => {
    if (await tx.flag.findFirst({ where: { tenantId: ctx.tenantId, key: def.key }, select: { id: true } })) {
      throw new ConflictError(`A flag with key '${def.key}' already exists in this tenant`, "key");
    }
    await checkReferences(tx, ctx, def);
    const row = await tx.flag.create({ data: { id: newId("flag"), tenantId: ctx.tenantId, key: def.key, ...rowData(def) } });
    const dto = toFlag(row);
    await writeAudit(tx, ctx, { action: "flag:create", resourceType: "flag", resourceId: dto.id, after: dto });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "flag", id: flag.id });
  return flag;
}

function definitionOf(row: FlagRow, ctx: TenantCtx | PlatformCtx): FlagDefinitionInput {
  return {
    key: row.key,
    kind: row.kind,
    scope: row.scope,
    enabled: row.enabled,
    rolloutPercent: row.rolloutPercent,
    rules: row.rules as FlagDefinitionInput["rules"],
    // Rows created before owners were required may have none: the editor becomes it.
    owner: row.owner.trim() ? row.owner : ctx.actor.label,
    description: row.description,
    expectedLifetimeDays: row.expectedLifetimeDays,
    featureId: row.featureId,
    routeTargetId: row.routeTargetId,
    providerId: row.providerId,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Audit action of an edit: a flip of `enabled` alone is `flag:enable` / `flag:disable`. */
function updateAction(before: Flag, after: Flag): string {
  const { enabled: _b, updatedAt: _bu, ...restBefore } = before;
  const { enabled: _a, updatedAt: _au, ...restAfter } = after;
  if (before.enabled !== after.enabled && sameJson(restBefore, restAfter)) return after.enabled ? "flag:enable" : "flag:disable";
  return "flag:update";
}

/**
 * Edits a flag: any field but its key, re-validated as a whole. Flipping or
 * editing a kill switch (or turning a flag into one) needs
 * kill_switches:write. A platform-wide flag is refused here (403: platform
 * admins use /api/admin/global-flags). No change, no audit row, no announcement.
 */
export async function updateFlag(ctx: TenantCtx, id: string, patch: UpdateFlagInput): Promise<Flag> {
  const result = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM flags WHERE id = ${id} FOR UPDATE`;
    const row = await tx.flag.findFirst({ where: { id, OR: [{ tenantId: ctx.tenantId }, { tenantId: null }] } });
    if (!row) throw new NotFoundError("flag", id);
    if (row.tenantId === null) {
      throw new ForbiddenError(`'${row.key}' is a platform-wide flag: only platform admins change it (PATCH /api/admin/global-flags/${row.id})`);
    }
    const def = parseDefinition({ ...definitionOf(row, ctx), ...stripUndefined(patch) });
    refuseGlobalScope(def);
    if (row.kind === "kill_switch" || def.kind === "kill_switch") {
      requirePermission(ctx, "kill_switches:write", `${patch.enabled !== undefined && patch.enabled !== row.enabled ? "flipping" : "changing"} kill switch '${row.key}'`);
    }
    const before = toFlag(row);
    const data = rowData(def);
    const changed = (Object.keys(data) as Array<keyof typeof data>).some((k) => !sameJson(data[k], row[k]));
    if (!changed) return { flag: before, changed: false };
    await checkReferences(tx, ctx, def);
    const after = toFlag(await tx.flag.update({ where: { id: row.id }, data }));
    await writeAudit(tx, ctx, { action: updateAction(before, after), resourceType: "flag", resourceId: id, before, after });
    return { flag: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: ctx.tenantId, kind: "flag", id });
  return result.flag;
}

/** The audit rows of one flag the tenant can see (its own or a global one), newest first. */
export async function listFlagHistory(ctx: TenantCtx, id: string, limit = 200): Promise<AuditLogEntry[]> {
  const flag = await getFlagOrThrow(ctx, id);
  const rows = await db.auditLog.findMany({
    where: { tenantId: flag.isGlobal ? null : ctx.tenantId, resourceType: "flag", resourceId: id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  return rows.map(toAuditLogEntry);
}

// ---------------------------------------------------------------- platform-wide flags

/** Platform-wide flags (the global kill switch). The route allows platform admins only. */
export async function listGlobalFlags(_ctx: PlatformCtx): Promise<Flag[]> {
  const rows = await db.flag.findMany({ where: { tenantId: null }, orderBy: [{ key: "asc" }] });
  return rows.map(toFlag);
}

/** Turns a platform-wide flag on or off (the global kill switch stops every AI call of every tenant). */
export async function updateGlobalFlag(ctx: PlatformCtx, id: string, input: UpdateGlobalFlagInput): Promise<Flag> {
  if (!ctx.isPlatformAdmin) throw new ForbiddenError("Only platform admins can do this");
  const result = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM flags WHERE id = ${id} FOR UPDATE`;
    const row = await tx.flag.findFirst({ where: { id, tenantId: null } });
    if (!row) throw new NotFoundError("global_flag", id);
    const before = toFlag(row);
    if (row.enabled === input.enabled) return { flag: before, changed: false };
    const after = toFlag(await tx.flag.update({ where: { id: row.id }, data: { enabled: input.enabled } }));
    await writeAudit(tx, ctx, { action: input.enabled ? "flag:enable" : "flag:disable", resourceType: "flag", resourceId: id, before, after, tenantId: null });
    return { flag: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: null, kind: "flag", id });
  return result.flag;
}
