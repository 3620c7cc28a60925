import { db } from "@/lib/db";
import type { TenantCtx } from "@/lib/authz/context";
import { asRecord } from "@/lib/http/json";
import type { GuardPolicy } from "@/lib/guards/schema";

export async function listGuardPolicies(ctx: TenantCtx): Promise<GuardPolicy[]> {
  const rows = await db.guardPolicy.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map((r) => ({
    id: r.id,
    featureId: r.featureId,
    version: r.version,
    config: asRecord(r.config),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}
