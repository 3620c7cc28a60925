import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { decryptSecret, encryptSecret } from "@/lib/crypto";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import { asRecord } from "@/lib/http/json";
import { publishConfigChange } from "@/lib/config-events";
import type { CreateProviderInput, Provider, UpdateProviderInput } from "@/lib/providers/schema";

const include = {
  models: {
    orderBy: { name: "asc" },
    include: { prices: { orderBy: { effectiveFrom: "desc" } } },
  },
} as const satisfies Prisma.ProviderInclude;

type ProviderRow = Prisma.ProviderGetPayload<{ include: typeof include }>;

/** Public shape: `hasSecret` instead of the ciphertext. */
export function toProvider(row: ProviderRow, now = new Date()): Provider {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    baseUrl: row.baseUrl,
    hasSecret: row.secretCiphertext !== null,
    config: asRecord(row.config),
    enabled: row.enabled,
    models: row.models.map((m) => {
      const p = m.prices.find((x) => x.effectiveFrom <= now) ?? null;
      return {
        id: m.id,
        name: m.name,
        contextWindow: m.contextWindow,
        maxOutputTokens: m.maxOutputTokens,
        tokenizer: m.tokenizer,
        supportsEmbeddings: m.supportsEmbeddings,
        enabled: m.enabled,
        price: p
          ? {
              inputPerMTokMicros: p.inputPerMTokMicros.toString(),
              outputPerMTokMicros: p.outputPerMTokMicros.toString(),
              cachedInputPerMTokMicros: p.cachedInputPerMTokMicros.toString(),
              cacheWritePerMTokMicros: p.cacheWritePerMTokMicros.toString(),
              effectiveFrom: p.effectiveFrom.toISOString(),
            }
          : null,
      };
    }),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Audit shape: no models, no secret. */
function auditShape(p: Provider) {
  const { models: _models, ...rest } = p;
  return rest;
}

export async function listProviders(ctx: TenantCtx): Promise<Provider[]> {
  const rows = await db.provider.findMany({ where: { tenantId: ctx.tenantId }, include, orderBy: { name: "asc" } });
  return rows.map((r) => toProvider(r));
}

export async function getProviderOrThrow(ctx: TenantCtx, id: string): Promise<Provider> {
  const row = await db.provider.findFirst({ where: { id, tenantId: ctx.tenantId }, include });
  if (!row) throw new NotFoundError("provider", id);
  return toProvider(row);
}

export async function createProvider(ctx: TenantCtx, input: CreateProviderInput): Promise<Provider> {
  const provider = await db.$transaction(async (tx) => {
    const row = await tx.provider.create({
      data: {
        id: newId("provider"),
        tenantId: ctx.tenantId,
        name: input.name,
        kind: input.kind,
        baseUrl: input.baseUrl,
        secretCiphertext: input.secret ? encryptSecret(input.secret) : null,
        config: input.config as Prisma.InputJsonValue,
        enabled: input.enabled,
      },
      include,
    });
    const dto = toProvider(row);
    await writeAudit(tx, ctx, { action: "provider:create", resourceType: "provider", resourceId: dto.id, after: auditShape(dto) });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "provider", id: provider.id });
  return provider;
}

export async function updateProvider(ctx: TenantCtx, id: string, input: UpdateProviderInput): Promise<Provider> {
  const provider = await db.$transaction(async (tx) => {
    const current = await tx.provider.findFirst({ where: { id, tenantId: ctx.tenantId }, include });
    if (!current) throw new NotFoundError("provider", id);
    const before = toProvider(current);
    const row = await tx.provider.update({
      where: { id: current.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.kind !== undefined ? { kind: input.kind } : {}),
        ...(input.baseUrl !== undefined ? { baseUrl: input.baseUrl } : {}),
        ...(input.config !== undefined ? { config: input.config as Prisma.InputJsonValue } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(input.secret !== undefined ? { secretCiphertext: input.secret === null ? null : encryptSecret(input.secret) } : {}),
      },
      include,
    });
    const after = toProvider(row);
    await writeAudit(tx, ctx, {
      action: "provider:update",
      resourceType: "provider",
      resourceId: id,
      before: auditShape(before),
      after: { ...auditShape(after), secretChanged: input.secret !== undefined },
    });
    return after;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "provider", id });
  return provider;
}

/**
 * The decrypted provider API key, for server-side use only (the gateway's
 * provider call). Scoped by tenant like every other lookup; null when unset.
 */
export async function getProviderSecretForUse(tenantId: string, providerId: string): Promise<string | null> {
  const row = await db.provider.findFirst({ where: { id: providerId, tenantId }, select: { secretCiphertext: true } });
  if (!row) throw new NotFoundError("provider", providerId);
  return row.secretCiphertext ? decryptSecret(row.secretCiphertext) : null;
}
