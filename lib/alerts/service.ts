import { db } from "@/lib/db";
import type { TenantCtx } from "@/lib/authz/context";
import { asRecord } from "@/lib/http/json";
import type { AlertRule } from "@/lib/alerts/schema";

export async function listAlertRules(ctx: TenantCtx): Promise<AlertRule[]> {
  const rows = await db.alertRule.findMany({ where: { tenantId: ctx.tenantId }, orderBy: { name: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    signal: r.signal,
    condition: asRecord(r.condition),
    severity: r.severity,
    enabled: r.enabled,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}
