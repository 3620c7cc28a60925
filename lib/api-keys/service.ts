import { db } from "@/lib/db";
import { BadRequestError, NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { newSecret, sha256Hex } from "@/lib/crypto";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import { publishConfigChange } from "@/lib/config-events";
import { API_KEY_PREFIX, type ApiKey, type ApiKeyStatus, type CreateApiKeyInput, type CreatedApiKey } from "@/lib/api-keys/schema";

type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  featureId: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
};

/** Display prefix: "gh_live_" plus 4 characters of the random part. */
export const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 1 + 4;

export function apiKeyStatus(row: Pick<ApiKeyRow, "revokedAt" | "expiresAt">, now = new Date()): ApiKeyStatus {
  if (row.revokedAt) return "revoked";
  if (row.expiresAt && row.expiresAt <= now) return "expired";
  return "active";
}

export function toApiKey(row: ApiKeyRow, now = new Date()): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    featureId: row.featureId,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    status: apiKeyStatus(row, now),
  };
}

const publicFields = {
  id: true, name: true, prefix: true, scopes: true, featureId: true,
  expiresAt: true, revokedAt: true, lastUsedAt: true, createdAt: true,
} as const;

export async function listApiKeys(ctx: TenantCtx): Promise<ApiKey[]> {
  const rows = await db.apiKey.findMany({ where: { tenantId: ctx.tenantId }, select: publicFields, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  const now = new Date();
  return rows.map((r) => toApiKey(r, now));
}

export async function getApiKeyOrThrow(ctx: TenantCtx, id: string): Promise<ApiKey> {
  const row = await db.apiKey.findFirst({ where: { id, tenantId: ctx.tenantId }, select: publicFields });
  if (!row) throw new NotFoundError("api_key", id);
  return toApiKey(row);
}

/** Creates a key; the secret is returned here once and only its SHA-256 digest is stored. */
export async function createApiKey(ctx: TenantCtx, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  if (input.expiresAt && input.expiresAt <= new Date()) {
    throw new BadRequestError("expiresAt: must be in the future", "expiresAt", "validation_failed");
  }
  if (input.featureId) {
    const feature = await db.feature.findFirst({ where: { id: input.featureId, tenantId: ctx.tenantId }, select: { id: true } });
    if (!feature) throw new BadRequestError(`featureId: no feature '${input.featureId}' in this tenant`, "featureId", "validation_failed");
  }
  const secret = newSecret(API_KEY_PREFIX);
  const key = await db.$transaction(async (tx) => {
    const row = await tx.apiKey.create({
      data: {
        id: newId("apiKey"),
        tenantId: ctx.tenantId,
        name: input.name,
        prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
        hash: sha256Hex(secret),
        scopes: [...new Set(input.scopes)],
        featureId: input.featureId ?? null,
        expiresAt: input.expiresAt ?? null,
        createdById: ctx.actor.id,
      },
      select: publicFields,
    });
    const dto = toApiKey(row);
    await writeAudit(tx, ctx, { action: "api_key:create", resourceType: "api_key", resourceId: dto.id, after: dto });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "api_key", id: key.id });
  return { key, secret };
}

/** Revokes a key at once (idempotent: revoking a revoked key changes nothing). */
export async function revokeApiKey(ctx: TenantCtx, id: string): Promise<ApiKey> {
  const key = await db.$transaction(async (tx) => {
    const row = await tx.apiKey.findFirst({ where: { id, tenantId: ctx.tenantId }, select: publicFields });
    if (!row) throw new NotFoundError("api_key", id);
    if (row.revokedAt) return toApiKey(row);
    const before = toApiKey(row);
    const updated = await tx.apiKey.update({ where: { id: row.id }, data: { revokedAt: new Date() }, select: publicFields });
    const after = toApiKey(updated);
    await writeAudit(tx, ctx, { action: "api_key:revoke", resourceType: "api_key", resourceId: id, before, after });
    return after;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "api_key", id });
  return key;
}
