import { db } from "@/lib/db";
import type { TenantCtx } from "@/lib/authz/context";
import { afterCursor, toPage } from "@/lib/http/cursor";
import type { Page } from "@/lib/http/respond";
import type { AuditLogEntry, ListAuditLogQuery } from "@/lib/audit/schema";
import type { AuditLog as AuditLogRow } from "@/lib/generated/prisma/client";

/** The tenant's audit log, newest first, cursor-paged. */
export async function listAuditLog(ctx: TenantCtx, query: ListAuditLogQuery): Promise<Page<AuditLogEntry>> {
  const rows = await db.auditLog.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(query.action ? { action: query.action } : {}),
      ...(query.resourceType ? { resourceType: query.resourceType } : {}),
      ...(query.resourceId ? { resourceId: query.resourceId } : {}),
      ...afterCursor(query.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (r) => r.createdAt, toAuditLogEntry);
}

/** An audit row as the API returns it. */
export function toAuditLogEntry(r: AuditLogRow): AuditLogEntry {
  return {
    id: r.id,
    tenantId: r.tenantId,
    actorType: r.actorType,
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    action: r.action,
    resourceType: r.resourceType,
    resourceId: r.resourceId,
    before: r.before,
    after: r.after,
    ip: r.ip,
    createdAt: r.createdAt.toISOString(),
  };
}
