import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import type { TenantCtx } from "@/lib/authz/context";
import { asRecord } from "@/lib/http/json";
import type { Feature } from "@/lib/features/schema";

type FeatureRow = { id: string; key: string; name: string; description: string; config: unknown; createdAt: Date; updatedAt: Date };

export function toFeature(r: FeatureRow): Feature {
  return { id: r.id, key: r.key, name: r.name, description: r.description, config: asRecord(r.config), createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

export async function listFeatures(ctx: TenantCtx): Promise<Feature[]> {
  const rows = await db.feature.findMany({ where: { tenantId: ctx.tenantId }, orderBy: { key: "asc" } });
  return rows.map(toFeature);
}

export async function getFeatureOrThrow(ctx: TenantCtx, id: string): Promise<Feature> {
  const row = await db.feature.findFirst({ where: { id, tenantId: ctx.tenantId } });
  if (!row) throw new NotFoundError("feature", id);
  return toFeature(row);
}
