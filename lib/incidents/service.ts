import { db } from "@/lib/db";
import type { TenantCtx } from "@/lib/authz/context";
import { afterCursor, toPage } from "@/lib/http/cursor";
import { asRecord, isoOrNull } from "@/lib/http/json";
import type { Page } from "@/lib/http/respond";
import type { Incident, ListIncidentsQuery } from "@/lib/incidents/schema";

/** Incidents, most recently opened first (cursor on openedAt + id). */
export async function listIncidents(ctx: TenantCtx, query: ListIncidentsQuery): Promise<Page<Incident>> {
  const rows = await db.incident.findMany({
    where: { tenantId: ctx.tenantId, ...(query.status ? { status: query.status } : {}), ...afterCursor(query.cursor, "openedAt") },
    include: { runbook: { select: { title: true } } },
    orderBy: [{ openedAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (r) => r.openedAt, (r) => ({
    id: r.id,
    title: r.title,
    signal: r.signal,
    severity: r.severity,
    status: r.status,
    dedupeKey: r.dedupeKey,
    runbookId: r.runbookId,
    runbookTitle: r.runbook?.title ?? null,
    details: asRecord(r.details),
    openedAt: r.openedAt.toISOString(),
    acknowledgedAt: isoOrNull(r.acknowledgedAt),
    resolvedAt: isoOrNull(r.resolvedAt),
  }));
}
