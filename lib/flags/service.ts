import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { TenantCtx } from "@/lib/authz/context";
import { asArray } from "@/lib/http/json";
import type { Flag } from "@/lib/flags/schema";

type FlagRow = Prisma.FlagGetPayload<object>;

export function toFlag(r: FlagRow): Flag {
  return {
    id: r.id,
    tenantId: r.tenantId,
    isGlobal: r.tenantId === null,
    key: r.key,
    kind: r.kind,
    scope: r.scope,
    featureId: r.featureId,
    routeTargetId: r.routeTargetId,
    providerId: r.providerId,
    enabled: r.enabled,
    rolloutPercent: r.rolloutPercent,
    rules: asArray(r.rules),
    owner: r.owner,
    description: r.description,
    expectedLifetimeDays: r.expectedLifetimeDays,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The tenant's flags and kill switches, plus the platform-wide ones (global first). */
export async function listFlags(ctx: TenantCtx): Promise<Flag[]> {
  const rows = await db.flag.findMany({
    where: { OR: [{ tenantId: ctx.tenantId }, { tenantId: null }] },
    orderBy: [{ key: "asc" }],
  });
  return rows.map(toFlag).sort((a, b) => Number(b.isGlobal) - Number(a.isGlobal));
}
