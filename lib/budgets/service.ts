import { db } from "@/lib/db";
import type { TenantCtx } from "@/lib/authz/context";
import { roleCan } from "@/lib/authz/permissions";
import { writeAudit, type Tx } from "@/lib/audit/write";
import { publishConfigChange } from "@/lib/config-events";
import { BadRequestError, ForbiddenError, NotFoundError } from "@/lib/errors";
import type { Budget as BudgetRow, RateLimit as RateLimitRow } from "@/lib/generated/prisma/client";
import { newId } from "@/lib/ids";
import type {
  Budget,
  BudgetStatus,
  CreateBudgetInput,
  CreateRateLimitInput,
  RateLimit,
  UpdateBudgetInput,
  UpdateRateLimitInput,
} from "@/lib/budgets/schema";

/**
 * Budgets and rate limits (issue 5): the control plane's side. Every
 * mutation checks the role (budgets:write), writes its audit row in the same
 * transaction, then tells every gateway to reload its snapshot (the data
 * plane enforces them from there: lib/gateway/stages/limits.ts). Disabling
 * keeps the row and its history; deleting removes it.
 */

function requireWrite(ctx: TenantCtx): void {
  if (!roleCan(ctx.role, "budgets:write")) throw new ForbiddenError(`Your role '${ctx.role}' does not allow budgets:write`);
}

export function toBudget(r: BudgetRow): Budget {
  return {
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
  };
}

export function toRateLimit(r: RateLimitRow): RateLimit {
  return {
    id: r.id,
    scope: r.scope,
    featureId: r.featureId,
    apiKeyId: r.apiKeyId,
    requestsPerMinute: r.requestsPerMinute,
    tokensPerMinute: r.tokensPerMinute,
    maxConcurrent: r.maxConcurrent,
    enabled: r.enabled,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const omitTimes = <T extends { createdAt: string; updatedAt: string }>(x: T) => {
  const { createdAt: _c, updatedAt: _u, ...rest } = x;
  return rest;
};

export async function listBudgets(ctx: TenantCtx): Promise<Budget[]> {
  const rows = await db.budget.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(toBudget);
}

export async function getBudgetOrThrow(ctx: TenantCtx, id: string): Promise<Budget> {
  const row = await db.budget.findFirst({ where: { id, tenantId: ctx.tenantId } });
  if (!row) throw new NotFoundError("budget", id);
  return toBudget(row);
}

export async function listRateLimits(ctx: TenantCtx): Promise<RateLimit[]> {
  const rows = await db.rateLimit.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(toRateLimit);
}

/** featureId / apiKeyId must be this tenant's. */
async function checkRefs(tx: Tx, ctx: TenantCtx, refs: { featureId?: string | null; apiKeyId?: string | null }): Promise<void> {
  if (refs.featureId) {
    const f = await tx.feature.findFirst({ where: { id: refs.featureId, tenantId: ctx.tenantId }, select: { id: true } });
    if (!f) throw new BadRequestError("featureId: is not a feature of this tenant", "featureId", "validation_failed");
  }
  if (refs.apiKeyId) {
    const k = await tx.apiKey.findFirst({ where: { id: refs.apiKeyId, tenantId: ctx.tenantId }, select: { id: true } });
    if (!k) throw new BadRequestError("apiKeyId: is not an API key of this tenant", "apiKeyId", "validation_failed");
  }
}

// ---------------------------------------------------------------- budgets

export async function createBudget(ctx: TenantCtx, input: CreateBudgetInput): Promise<Budget> {
  requireWrite(ctx);
  const budget = await db.$transaction(async (tx) => {
    await checkRefs(tx, ctx, input);
    const row = await tx.budget.create({
      data: {
        id: newId("budget"),
        tenantId: ctx.tenantId,
        name: input.name,
        scope: input.scope,
        featureId: input.featureId ?? null,
        apiKeyId: input.apiKeyId ?? null,
        endUserId: input.endUserId ?? null,
        period: input.period,
        limitMicros: BigInt(input.limitMicros),
        mode: input.mode,
        alertThresholds: input.alertThresholds,
        enabled: input.enabled,
      },
    });
    const dto = toBudget(row);
    await writeAudit(tx, ctx, { action: "budget:create", resourceType: "budget", resourceId: row.id, after: omitTimes(dto) });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "budget", id: budget.id });
  return budget;
}

export async function updateBudget(ctx: TenantCtx, id: string, input: UpdateBudgetInput): Promise<Budget> {
  requireWrite(ctx);
  const result = await db.$transaction(async (tx) => {
    const current = await tx.budget.findFirst({ where: { id, tenantId: ctx.tenantId } });
    if (!current) throw new NotFoundError("budget", id);
    const before = toBudget(current);
    const row = await tx.budget.update({
      where: { id: current.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.period !== undefined ? { period: input.period } : {}),
        ...(input.limitMicros !== undefined ? { limitMicros: BigInt(input.limitMicros) } : {}),
        ...(input.mode !== undefined ? { mode: input.mode } : {}),
        ...(input.alertThresholds !== undefined ? { alertThresholds: input.alertThresholds } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      },
    });
    const after = toBudget(row);
    if (JSON.stringify(omitTimes(before)) === JSON.stringify(omitTimes(after))) return { budget: before, changed: false };
    const action = input.enabled !== undefined && input.enabled !== before.enabled && Object.keys(input).length === 1 ? (input.enabled ? "budget:enable" : "budget:disable") : "budget:update";
    await writeAudit(tx, ctx, { action, resourceType: "budget", resourceId: id, before: omitTimes(before), after: omitTimes(after) });
    return { budget: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: ctx.tenantId, kind: "budget", id });
  return result.budget;
}

export async function deleteBudget(ctx: TenantCtx, id: string): Promise<Budget> {
  requireWrite(ctx);
  const budget = await db.$transaction(async (tx) => {
    const current = await tx.budget.findFirst({ where: { id, tenantId: ctx.tenantId } });
    if (!current) throw new NotFoundError("budget", id);
    await tx.budget.delete({ where: { id: current.id } });
    const dto = toBudget(current);
    await writeAudit(tx, ctx, { action: "budget:delete", resourceType: "budget", resourceId: id, before: omitTimes(dto) });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "budget", id });
  return budget;
}

// ---------------------------------------------------------------- rate limits

export async function createRateLimit(ctx: TenantCtx, input: CreateRateLimitInput): Promise<RateLimit> {
  requireWrite(ctx);
  const limit = await db.$transaction(async (tx) => {
    await checkRefs(tx, ctx, input);
    const row = await tx.rateLimit.create({
      data: {
        id: newId("rateLimit"),
        tenantId: ctx.tenantId,
        scope: input.scope,
        featureId: input.featureId ?? null,
        apiKeyId: input.apiKeyId ?? null,
        requestsPerMinute: input.requestsPerMinute ?? null,
        tokensPerMinute: input.tokensPerMinute ?? null,
        maxConcurrent: input.maxConcurrent ?? null,
        enabled: input.enabled,
      },
    });
    const dto = toRateLimit(row);
    await writeAudit(tx, ctx, { action: "rate_limit:create", resourceType: "rate_limit", resourceId: row.id, after: omitTimes(dto) });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "rate_limit", id: limit.id });
  return limit;
}

export async function updateRateLimit(ctx: TenantCtx, id: string, input: UpdateRateLimitInput): Promise<RateLimit> {
  requireWrite(ctx);
  const result = await db.$transaction(async (tx) => {
    const current = await tx.rateLimit.findFirst({ where: { id, tenantId: ctx.tenantId } });
    if (!current) throw new NotFoundError("rate_limit", id);
    const before = toRateLimit(current);
    const next = {
      requestsPerMinute: input.requestsPerMinute === undefined ? current.requestsPerMinute : input.requestsPerMinute,
      tokensPerMinute: input.tokensPerMinute === undefined ? current.tokensPerMinute : input.tokensPerMinute,
      maxConcurrent: input.maxConcurrent === undefined ? current.maxConcurrent : input.maxConcurrent,
    };
    if (next.requestsPerMinute == null && next.tokensPerMinute == null && next.maxConcurrent == null) {
      throw new BadRequestError("requestsPerMinute: set at least one of requestsPerMinute, tokensPerMinute, maxConcurrent (or disable the limit)", "requestsPerMinute", "validation_failed");
    }
    if (next.maxConcurrent != null && current.scope !== "api_key") throw new BadRequestError("maxConcurrent: only api_key limits cap concurrency", "maxConcurrent", "validation_failed");
    const row = await tx.rateLimit.update({
      where: { id: current.id },
      data: {
        requestsPerMinute: next.requestsPerMinute ?? null,
        tokensPerMinute: next.tokensPerMinute ?? null,
        maxConcurrent: next.maxConcurrent ?? null,
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      },
    });
    const after = toRateLimit(row);
    if (JSON.stringify(omitTimes(before)) === JSON.stringify(omitTimes(after))) return { limit: before, changed: false };
    await writeAudit(tx, ctx, { action: "rate_limit:update", resourceType: "rate_limit", resourceId: id, before: omitTimes(before), after: omitTimes(after) });
    return { limit: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: ctx.tenantId, kind: "rate_limit", id });
  return result.limit;
}

export async function deleteRateLimit(ctx: TenantCtx, id: string): Promise<RateLimit> {
  requireWrite(ctx);
  const limit = await db.$transaction(async (tx) => {
    const current = await tx.rateLimit.findFirst({ where: { id, tenantId: ctx.tenantId } });
    if (!current) throw new NotFoundError("rate_limit", id);
    await tx.rateLimit.delete({ where: { id: current.id } });
    const dto = toRateLimit(current);
    await writeAudit(tx, ctx, { action: "rate_limit:delete", resourceType: "rate_limit", resourceId: id, before: omitTimes(dto) });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "rate_limit", id });
  return limit;
}

// ---------------------------------------------------------------- live status

/**
 * Reads budget counters from Redis. Domains never import the gateway, so the
 * route handler passes the reader in (lib/gateway/limits/status.ts).
 */
export interface BudgetCounterReader {
  read(budgets: readonly BudgetRow[], at: Date): Promise<BudgetStatus[]>;
}

/** Reserved vs spent vs limit of every budget of the tenant this period, live from Redis. */
export async function budgetStatuses(ctx: TenantCtx, reader: BudgetCounterReader, at = new Date()): Promise<BudgetStatus[]> {
  const rows = await db.budget.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return reader.read(rows, at);
}
