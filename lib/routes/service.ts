import { z } from "zod";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { BadRequestError, NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { log } from "@/lib/log";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit, type Tx } from "@/lib/audit/write";
import { publishConfigChange } from "@/lib/config-events";
import { asRecord } from "@/lib/http/json";
import {
  positionsOf,
  RouteTargetsInput,
  type RouteTargetInput,
  type CircuitStatus,
  type Route,
  type RouteTarget,
  type RouteTargetHealth,
  type RouteTargetsHealth,
  type UpdateRouteInput,
  type UpdateRouteTargetInput,
} from "@/lib/routes/schema";

const targetInclude = {
  model: { select: { id: true, name: true, provider: { select: { id: true, name: true, kind: true } } } },
} as const satisfies Prisma.RouteTargetInclude;

const include = {
  feature: { select: { key: true } },
  targets: { orderBy: [{ position: "asc" }, { createdAt: "asc" }, { id: "asc" }], include: targetInclude },
} as const satisfies Prisma.RouteInclude;

type RouteRow = Prisma.RouteGetPayload<{ include: typeof include }>;
type TargetRow = Prisma.RouteTargetGetPayload<{ include: typeof targetInclude }>;

export function toRouteTarget(t: TargetRow): RouteTarget {
  return {
    id: t.id,
    routeId: t.routeId,
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
  };
}

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
    targets: r.targets.map(toRouteTarget),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** "provider/model": how the request log names a target in its attempts. */
export function targetLabel(t: { model: { name: string }; provider: { name: string } }): string {
  return `${t.provider.name}/${t.model.name}`;
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

// ---------------------------------------------------------------- editing the chain

/** What the audit row keeps of a route: everything but the timestamps. */
function auditShape(r: Route) {
  const { createdAt: _c, updatedAt: _u, ...rest } = r;
  return rest;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Replaces the route's chain with `inputs`, in order. A target is kept
 * (its circuit state in Redis and its override stay with it) while its
 * model stays in the chain, whichever input names it; the others are
 * created, and targets whose model left the chain are deleted. Targets at
 * one position form a load-balanced group (the gateway picks among them by
 * weight). Every model must be one of this tenant's, once per chain (the
 * database enforces it too), and no per-attempt timeout may exceed the
 * route's total budget.
 */
async function replaceTargets(tx: Tx, ctx: TenantCtx, route: RouteRow, raw: RouteTargetInput[], totalTimeoutMs: number): Promise<void> {
  const inputs = RouteTargetsInput.parse(raw);
  const positions = positionsOf(inputs);
  const existing = new Map(route.targets.map((t) => [t.id, t]));
  const byModel = new Map(route.targets.map((t) => [t.modelId, t]));
  const seenIds = new Set<string>();
  const seenModels = new Set<string>();
  const models = await tx.providerModel.findMany({
    where: { tenantId: ctx.tenantId, id: { in: [...new Set(inputs.map((t) => t.modelId))] } },
    select: { id: true },
  });
  const modelIds = new Set(models.map((m) => m.id));
  inputs.forEach((t, i) => {
    if (t.id !== undefined) {
      if (!existing.has(t.id)) throw new BadRequestError(`targets.${i}.id: is not a target of this route`, `targets.${i}.id`, "validation_failed");
      if (seenIds.has(t.id)) throw new BadRequestError(`targets.${i}.id: appears twice`, `targets.${i}.id`, "validation_failed");
      seenIds.add(t.id);
    }
    if (!modelIds.has(t.modelId)) throw new BadRequestError(`targets.${i}.modelId: is not a model of this tenant`, `targets.${i}.modelId`, "validation_failed");
    if (seenModels.has(t.modelId)) throw new BadRequestError(`targets.${i}.modelId: is already in this chain`, `targets.${i}.modelId`, "validation_failed");
    seenModels.add(t.modelId);
    if (t.timeoutMs > totalTimeoutMs) {
      throw new BadRequestError(
        `targets.${i}.timeoutMs: must not exceed the route's total time budget (${totalTimeoutMs} ms)`,
        `targets.${i}.timeoutMs`,
        "validation_failed",
      );
    }
  });

  // (tenant, route, model) is unique: a kept row never changes its model, so no update collides.
  const removed = route.targets.filter((t) => !seenModels.has(t.modelId)).map((t) => t.id);
  if (removed.length) await tx.routeTarget.deleteMany({ where: { tenantId: ctx.tenantId, routeId: route.id, id: { in: removed } } });
  for (const [i, t] of inputs.entries()) {
    const data = {
      position: positions[i] ?? i,
      weight: t.weight,
      timeoutMs: t.timeoutMs,
      maxRetries: t.maxRetries,
      failureThreshold: t.failureThreshold,
      cooldownMs: t.cooldownMs,
      enabled: t.enabled,
    };
    const kept = byModel.get(t.modelId);
    if (kept) await tx.routeTarget.update({ where: { id: kept.id }, data });
    else await tx.routeTarget.create({ data: { id: newId("routeTarget"), tenantId: ctx.tenantId, routeId: route.id, modelId: t.modelId, ...data } });
  }
}

/**
 * Edits a route: description, total time budget, static fallback answer and
 * (optionally) its whole chain of targets. One audit row with the route
 * before and after, in the same transaction; then every gateway instance is
 * told to reload. A change that changes nothing writes and announces nothing.
 */
export async function updateRoute(ctx: TenantCtx, id: string, input: UpdateRouteInput): Promise<Route> {
  const result = await db.$transaction(async (tx) => {
    const current = await tx.route.findFirst({ where: { id, tenantId: ctx.tenantId }, include });
    if (!current) throw new NotFoundError("route", id);
    const before = toRoute(current);
    const totalTimeoutMs = input.totalTimeoutMs ?? current.totalTimeoutMs;
    if (input.targets) {
      await replaceTargets(tx, ctx, current, input.targets, totalTimeoutMs);
    } else if (input.totalTimeoutMs !== undefined) {
      const i = current.targets.findIndex((t) => t.timeoutMs > totalTimeoutMs);
      if (i >= 0) {
        throw new BadRequestError(
          `totalTimeoutMs: must be at least the longest per-attempt timeout (${current.targets[i]?.timeoutMs} ms)`,
          "totalTimeoutMs",
          "validation_failed",
        );
      }
    }
    const staticFallback =
      input.staticFallback === undefined ? undefined : input.staticFallback === null ? Prisma.DbNull : (input.staticFallback as Prisma.InputJsonValue);
    const row = await tx.route.update({
      where: { id: current.id },
      data: {
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.totalTimeoutMs !== undefined ? { totalTimeoutMs: input.totalTimeoutMs } : {}),
        ...(staticFallback !== undefined ? { staticFallback } : {}),
      },
      include,
    });
    const after = toRoute(row);
    if (sameJson(auditShape(before), auditShape(after))) return { route: before, changed: false };
    await writeAudit(tx, ctx, { action: "route:update", resourceType: "route", resourceId: id, before: auditShape(before), after: auditShape(after) });
    return { route: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: ctx.tenantId, kind: "route", id });
  return result.route;
}

const OVERRIDE_ACTIONS = {
  forced_open: "route_target:force_open",
  forced_closed: "route_target:force_closed",
  none: "route_target:clear_override",
} as const;

/**
 * The admin's circuit override of one target (force open: the gateway skips
 * it; force closed: it is tried whatever the breaker says; none: the breaker
 * decides) and switching it on or off. Audited; announced to the gateways.
 */
export async function updateRouteTarget(ctx: TenantCtx, id: string, input: UpdateRouteTargetInput): Promise<RouteTarget> {
  const result = await db.$transaction(async (tx) => {
    const current = await tx.routeTarget.findFirst({ where: { id, tenantId: ctx.tenantId }, include: targetInclude });
    if (!current) throw new NotFoundError("route_target", id);
    const before = toRouteTarget(current);
    const data = {
      ...(input.circuitOverride !== undefined && input.circuitOverride !== current.circuitOverride ? { circuitOverride: input.circuitOverride } : {}),
      ...(input.enabled !== undefined && input.enabled !== current.enabled ? { enabled: input.enabled } : {}),
    };
    if (Object.keys(data).length === 0) return { target: before, changed: false };
    const after = toRouteTarget(await tx.routeTarget.update({ where: { id: current.id }, data, include: targetInclude }));
    const overrideOnly = data.circuitOverride !== undefined && data.enabled === undefined;
    await writeAudit(tx, ctx, {
      action: overrideOnly ? OVERRIDE_ACTIONS[after.circuitOverride] : "route_target:update",
      resourceType: "route_target",
      resourceId: id,
      before: { ...before, target: targetLabel(before) },
      after: { ...after, target: targetLabel(after) },
    });
    return { target: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: ctx.tenantId, kind: "route", id: result.target.routeId });
  return result.target;
}

// ---------------------------------------------------------------- live health

/**
 * The circuit breaker's shared state, as lib/gateway/reliability's
 * CircuitBreaker exposes it. Domains never import the gateway, so the route
 * handler passes the breaker in.
 */
export interface CircuitStore {
  getStates(targetIds: readonly string[]): Promise<
    Array<{ targetId: string; state: "closed" | "open" | "half_open"; failures: number; openedAt: number | null; openUntil: number | null }>
  >;
  reset(targetId: string): Promise<void>;
}

export const HEALTH_WINDOW_MINUTES = 15;
export const HEALTH_SAMPLE_LIMIT = 2_000;
const CIRCUIT_READ_TIMEOUT_MS = 1_000;

const AttemptStats = z.object({
  sampled: z.number().int(),
  rows: z.array(z.object({ targetId: z.string().nullable(), target: z.string().nullable(), attempts: z.number().int(), failures: z.number().int() })),
});

/**
 * Attempts per target among the newest requests of the last `windowMinutes`
 * (at most `limit` of them): an index range scan on (tenant_id, created_at)
 * whatever the traffic. Failures = attempts that ended in error or timeout;
 * skipped (circuit open) and aborted (client gone) attempts are not counted.
 */
export async function recentAttemptStats(tenantId: string, since: Date, limit = HEALTH_SAMPLE_LIMIT) {
  const rows = await db.$queryRaw<unknown[]>`
    WITH recent AS (
      SELECT attempts FROM request_logs
      WHERE tenant_id = ${tenantId} AND created_at >= ${since}
      ORDER BY created_at DESC
      LIMIT ${limit}
    ), agg AS (
      SELECT a->>'targetId' AS target_id, a->>'target' AS target,
             count(*) FILTER (WHERE a->>'status' IN ('ok', 'error', 'timeout'))::int AS attempts,
             count(*) FILTER (WHERE a->>'status' IN ('error', 'timeout'))::int AS failures
      FROM recent
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(recent.attempts) = 'array' THEN recent.attempts ELSE '[]'::jsonb END) a
      WHERE jsonb_typeof(a) = 'object'
      GROUP BY 1, 2
    )
    SELECT (SELECT count(*) FROM recent)::int AS sampled,
           coalesce((SELECT jsonb_agg(jsonb_build_object('targetId', target_id, 'target', target, 'attempts', attempts, 'failures', failures)) FROM agg), '[]'::jsonb) AS rows`;
  return AttemptStats.parse(rows[0]);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Every target of the tenant with its live circuit state (Redis, as every
 * gateway instance sees it) and its recent error rate (request log). Redis
 * being unreachable shows as `circuit: null`, not as a failed page.
 */
export async function getRouteTargetsHealth(ctx: TenantCtx, circuits: CircuitStore, now = new Date()): Promise<RouteTargetsHealth> {
  const targets = await db.routeTarget.findMany({
    where: { tenantId: ctx.tenantId },
    include: targetInclude,
    orderBy: [{ routeId: "asc" }, { position: "asc" }],
  });
  const since = new Date(now.getTime() - HEALTH_WINDOW_MINUTES * 60_000);
  const [states, stats] = await Promise.all([
    withTimeout(circuits.getStates(targets.map((t) => t.id)), CIRCUIT_READ_TIMEOUT_MS).then(
      (list) => new Map(list.map((s) => [s.targetId, s])),
      (err: unknown) => {
        log("warn", "routes.circuit_read_failed", { tenantId: ctx.tenantId, message: err instanceof Error ? err.message : String(err) });
        return null;
      },
    ),
    recentAttemptStats(ctx.tenantId, since),
  ]);
  const byId = new Map<string, { attempts: number; failures: number }>();
  const byLabel = new Map<string, { attempts: number; failures: number }>();
  const add = (map: Map<string, { attempts: number; failures: number }>, key: string, r: { attempts: number; failures: number }) => {
    const cur = map.get(key) ?? { attempts: 0, failures: 0 };
    map.set(key, { attempts: cur.attempts + r.attempts, failures: cur.failures + r.failures });
  };
  for (const r of stats.rows) {
    if (r.targetId) add(byId, r.targetId, r);
    else if (r.target) add(byLabel, r.target, r);
  }

  const health: RouteTargetHealth[] = targets.map((row) => {
    const t = toRouteTarget(row);
    const label = targetLabel(t);
    const s = states?.get(t.id);
    const circuit: CircuitStatus | null = states
      ? { state: s?.state ?? "closed", failures: s?.failures ?? 0, openedAt: isoOrNull(s?.openedAt ?? null), openUntil: isoOrNull(s?.openUntil ?? null) }
      : null;
    const a = byId.get(t.id) ?? { attempts: 0, failures: 0 };
    const b = byLabel.get(label) ?? { attempts: 0, failures: 0 };
    const attempts = a.attempts + b.attempts;
    const failures = a.failures + b.failures;
    return {
      targetId: t.id,
      routeId: t.routeId,
      target: label,
      circuitOverride: t.circuitOverride,
      circuit,
      effectiveState: t.circuitOverride !== "none" ? t.circuitOverride : (circuit?.state ?? "unknown"),
      recent: { attempts, failures, errorRate: attempts > 0 ? failures / attempts : null },
    };
  });
  return {
    windowMinutes: HEALTH_WINDOW_MINUTES,
    sampleLimit: HEALTH_SAMPLE_LIMIT,
    sampledRequests: stats.sampled,
    targets: health,
    checkedAt: now.toISOString(),
  };
}

/**
 * Closes a target's circuit and forgets its failure streak in Redis (every
 * gateway instance sees it at once). Audited with the state it had. The
 * override, if any, is not touched.
 */
export async function resetRouteTargetCircuit(ctx: TenantCtx, id: string, circuits: CircuitStore): Promise<RouteTargetHealth["circuit"]> {
  return db.$transaction(async (tx) => {
    const current = await tx.routeTarget.findFirst({ where: { id, tenantId: ctx.tenantId }, include: targetInclude });
    if (!current) throw new NotFoundError("route_target", id);
    const [before] = await circuits.getStates([id]);
    await circuits.reset(id);
    const beforeState = before ?? { state: "closed" as const, failures: 0, openedAt: null, openUntil: null };
    await writeAudit(tx, ctx, {
      action: "route_target:circuit_reset",
      resourceType: "route_target",
      resourceId: id,
      before: { target: targetLabel(toRouteTarget(current)), state: beforeState.state, failures: beforeState.failures },
      after: { target: targetLabel(toRouteTarget(current)), state: "closed", failures: 0 },
    });
    return { state: "closed" as const, failures: 0, openedAt: null, openUntil: null };
  });
}
