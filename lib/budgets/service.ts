import { db } from "@/lib/db";
import type { TenantCtx } from "@/lib/authz/context";
import type { Budget, RateLimit } from "@/lib/budgets/schema";

export async function listBudgets(ctx: TenantCtx): Promise<Budget[]> {
  const rows = await db.budget.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    scope: r.scope,
    featureId: r.featureId,
    apiKeyId: r.apiKeyId,
    endUserId: r.endUserId,
    period: r.period,
    limitMicros: r.limitMicros.toString(),
    mode: r.mode,
    alertThresholds: r.alertThresholds,
    enabled: r.enabled,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

export async function listRateLimits(ctx: TenantCtx): Promise<RateLimit[]> {
  const rows = await db.rateLimit.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map((r) => ({
    id: r.id,
    scope: r.scope,
    featureId: r.featureId,
    apiKeyId: r.apiKeyId,
    requestsPerMinute: r.requestsPerMinute,
    tokensPerMinute: r.tokensPerMinute,
    maxConcurrent: r.maxConcurrent,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}
