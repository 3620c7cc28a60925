import { db } from "@/lib/db";
import { BadRequestError, NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import { publishConfigChange } from "@/lib/config-events";
import { afterCursor, toPage } from "@/lib/http/cursor";
import type { Page } from "@/lib/http/respond";
import type { ListOptOutsQuery, OptOut } from "@/lib/flags/schema";

/**
 * End-user AI opt-outs: an end-user id on the tenant's list is never sent to
 * a model (the gateway's switches stage refuses it, or answers with the
 * feature's static answer). Audited and announced like a flag.
 */

type OptOutRow = { id: string; endUserId: string; createdAt: Date };

function toOptOut(r: OptOutRow): OptOut {
  return { id: r.id, endUserId: r.endUserId, createdAt: r.createdAt.toISOString() };
}

export async function listOptOuts(ctx: TenantCtx, query: ListOptOutsQuery): Promise<Page<OptOut>> {
  const rows = await db.endUserOptOut.findMany({
    where: { tenantId: ctx.tenantId, ...(query.endUserId ? { endUserId: query.endUserId } : {}), ...afterCursor(query.cursor) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (r) => r.createdAt, toOptOut);
}

/** Adds an end-user to the opt-out list; adding one already there returns it and changes nothing. */
export async function addOptOut(ctx: TenantCtx, endUserId: string): Promise<{ optOut: OptOut; created: boolean }> {
  const result = await db.$transaction(async (tx) => {
    const existing = await tx.endUserOptOut.findUnique({ where: { tenantId_endUserId: { tenantId: ctx.tenantId, endUserId } } });
    if (existing) return { optOut: toOptOut(existing), created: false };
    const row = await tx.endUserOptOut.create({ data: { id: newId("optOut"), tenantId: ctx.tenantId, endUserId } });
    const dto = toOptOut(row);
    await writeAudit(tx, ctx, { action: "opt_out:add", resourceType: "opt_out", resourceId: dto.id, after: dto });
    return { optOut: dto, created: true };
  });
  if (result.created) await publishConfigChange({ tenantId: ctx.tenantId, kind: "opt_out", id: result.optOut.id });
  return result;
}

/** Takes an end-user off the list (404 naming them when they are not on it). */
export async function removeOptOut(ctx: TenantCtx, endUserId: string | undefined): Promise<OptOut> {
  if (!endUserId) throw new BadRequestError("endUserId: required (in the body or the query string)", "endUserId", "validation_failed");
  const removed = await db.$transaction(async (tx) => {
    const row = await tx.endUserOptOut.findUnique({ where: { tenantId_endUserId: { tenantId: ctx.tenantId, endUserId } } });
    if (!row) throw new NotFoundError("opt_out", endUserId);
    await tx.endUserOptOut.delete({ where: { id: row.id } });
    const dto = toOptOut(row);
    await writeAudit(tx, ctx, { action: "opt_out:remove", resourceType: "opt_out", resourceId: dto.id, before: dto });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "opt_out", id: removed.id });
  return removed;
}
