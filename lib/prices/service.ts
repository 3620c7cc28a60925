import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { roleCan } from "@/lib/authz/permissions";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import { publishConfigChange } from "@/lib/config-events";
import type { CreatePriceData, ModelPrices, PriceRow, PriceStatus } from "@/lib/prices/schema";

/**
 * The price table's control plane. Reads list every model of the tenant with
 * its price history; the one mutation adds a row effective from a chosen time
 * (default now). Rows are never updated or deleted here: a request's cost was
 * computed with the row in effect when it arrived (lib/gateway/cost.ts) and
 * stays explainable. The gateway picks the change up from its snapshot after
 * the config-change publish (kind `price`).
 */

/** How far in the past an explicit effectiveFrom may lie (clock skew between browser and server). */
export const PAST_TOLERANCE_MS = 60_000;

type PriceDbRow = Prisma.ModelPriceGetPayload<object>;

function statusOf(row: PriceDbRow, current: PriceDbRow | null, now: Date): PriceStatus {
  if (row.effectiveFrom > now) return "scheduled";
  return current && row.id === current.id ? "current" : "past";
}

function toPriceRow(row: PriceDbRow, status: PriceStatus): PriceRow {
  return {
    id: row.id,
    modelId: row.modelId,
    inputPerMTokMicros: row.inputPerMTokMicros.toString(),
    outputPerMTokMicros: row.outputPerMTokMicros.toString(),
    cachedInputPerMTokMicros: row.cachedInputPerMTokMicros.toString(),
    cacheWritePerMTokMicros: row.cacheWritePerMTokMicros.toString(),
    effectiveFrom: row.effectiveFrom.toISOString(),
    createdAt: row.createdAt.toISOString(),
    status,
  };
}

const include = {
  provider: { select: { id: true, name: true, kind: true } },
  prices: { orderBy: { effectiveFrom: "desc" } },
} as const satisfies Prisma.ProviderModelInclude;

type ModelRow = Prisma.ProviderModelGetPayload<{ include: typeof include }>;

function toModelPrices(m: ModelRow, now: Date): ModelPrices {
  // Newest first: the current row is the first one already in effect.
  const current = m.prices.find((p) => p.effectiveFrom <= now) ?? null;
  const prices = m.prices.map((p) => toPriceRow(p, statusOf(p, current, now)));
  return {
    modelId: m.id,
    modelName: m.name,
    providerId: m.provider.id,
    providerName: m.provider.name,
    providerKind: m.provider.kind,
    enabled: m.enabled,
    current: current ? toPriceRow(current, "current") : null,
    prices,
  };
}

/** Every model of the tenant (by provider, then name) with its current price and history. */
export async function listPrices(ctx: TenantCtx, now = new Date()): Promise<ModelPrices[]> {
  const rows = await db.providerModel.findMany({
    where: { tenantId: ctx.tenantId },
    include,
    orderBy: [{ provider: { name: "asc" } }, { name: "asc" }],
  });
  return rows.map((m) => toModelPrices(m, now));
}

/** Adds a price for one model from `effectiveFrom` (default now); returns the model's prices after it. */
export async function createPrice(ctx: TenantCtx, input: CreatePriceData, now = new Date()): Promise<ModelPrices> {
  if (!roleCan(ctx.role, "providers:write")) throw new ForbiddenError(`Your role '${ctx.role}' does not allow providers:write (prices)`);
  const effectiveFrom = input.effectiveFrom ? new Date(input.effectiveFrom) : now;
  if (effectiveFrom.getTime() < now.getTime() - PAST_TOLERANCE_MS) {
    throw new BadRequestError("effectiveFrom must not be in the past: a price change never rewrites history (leave it empty for now)", "effectiveFrom");
  }
  const result = await db.$transaction(async (tx) => {
    const model = await tx.providerModel.findFirst({ where: { id: input.modelId, tenantId: ctx.tenantId }, select: { id: true, name: true } });
    if (!model) throw new NotFoundError("model", input.modelId);
    const clash = await tx.modelPrice.findFirst({ where: { tenantId: ctx.tenantId, modelId: model.id, effectiveFrom } });
    if (clash) throw new ConflictError(`${model.name} already has a price effective from ${effectiveFrom.toISOString()}`, "effectiveFrom");
    const row = await tx.modelPrice.create({
      data: {
        id: newId("modelPrice"),
        tenantId: ctx.tenantId,
        modelId: model.id,
        inputPerMTokMicros: BigInt(input.inputPerMTokMicros),
        outputPerMTokMicros: BigInt(input.outputPerMTokMicros),
        cachedInputPerMTokMicros: BigInt(input.cachedInputPerMTokMicros),
        cacheWritePerMTokMicros: BigInt(input.cacheWritePerMTokMicros),
        effectiveFrom,
      },
    });
    const status: PriceStatus = row.effectiveFrom > now ? "scheduled" : "current";
    await writeAudit(tx, ctx, {
      action: "price:create",
      resourceType: "model_price",
      resourceId: row.id,
      after: { ...toPriceRow(row, status), modelName: model.name },
    });
    const full = await tx.providerModel.findFirstOrThrow({ where: { id: model.id, tenantId: ctx.tenantId }, include });
    return toModelPrices(full, now);
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "price", id: input.modelId });
  return result;
}
