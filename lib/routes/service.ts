import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { NotFoundError } from "@/lib/errors";
import type { TenantCtx } from "@/lib/authz/context";
import { asRecord } from "@/lib/http/json";
import type { Route } from "@/lib/routes/schema";

const include = {
  feature: { select: { key: true } },
  targets: {
    orderBy: { position: "asc" },
    include: { model: { select: { id: true, name: true, provider: { select: { id: true, name: true, kind: true } } } } },
  },
} as const satisfies Prisma.RouteInclude;

type RouteRow = Prisma.RouteGetPayload<{ include: typeof include }>;

export function toRoute(r: RouteRow): Route {
  return {
    id: r.id,
    alias: r.alias,
    description: r.description,
    featureId: r.featureId,
    featureKey: r.feature?.key ?? null,
    totalTimeoutMs: r.totalTimeoutMs,
    staticFallback: r.staticFallback ?? null,
    config: asRecord(r.config),
    targets: r.targets.map((t) => ({
      id: t.id,
      position: t.position,
      weight: t.weight,
      timeoutMs: t.timeoutMs,
      maxRetries: t.maxRetries,
      failureThreshold: t.failureThreshold,
      cooldownMs: t.cooldownMs,
      circuitOverride: t.circuitOverride,
      enabled: t.enabled,
      model: { id: t.model.id, name: t.model.name },
      provider: { id: t.model.provider.id, name: t.model.provider.name, kind: t.model.provider.kind },
    })),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function listRoutes(ctx: TenantCtx): Promise<Route[]> {
  const rows = await db.route.findMany({ where: { tenantId: ctx.tenantId }, include, orderBy: { alias: "asc" } });
  return rows.map(toRoute);
}

export async function getRouteOrThrow(ctx: TenantCtx, id: string): Promise<Route> {
  const row = await db.route.findFirst({ where: { id, tenantId: ctx.tenantId }, include });
  if (!row) throw new NotFoundError("route", id);
  return toRoute(row);
}
