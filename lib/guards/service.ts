import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import { publishConfigChange } from "@/lib/config-events";
import { db } from "@/lib/db";
import { BadRequestError, ConflictError, NotFoundError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { asRecord } from "@/lib/http/json";
import { newId } from "@/lib/ids";
import { effectiveGuardPolicy } from "@/lib/guards/effective";
import { detectPii } from "@/lib/guards/pii";
import { parseGuardPolicy, type GuardPolicyConfig } from "@/lib/guards/policy";
import { createRedactor } from "@/lib/guards/redact";
import type {
  CreateToolInput,
  EffectiveGuardPolicy,
  GuardPolicy,
  GuardTestInput,
  GuardTestResult,
  PutGuardPolicyInput,
  ToolDefinition,
  UpdateToolInput,
} from "@/lib/guards/schema";
import { runTextGuard } from "@/lib/guards/text-guards";

/**
 * Guard policies and tool definitions (issue 6). Every mutation: role checked
 * by the route wrapper (`guards:write`), tenant-scoped queries, the audit row
 * in the same transaction, then `publishConfigChange` so every gateway's
 * snapshot reloads (snapshot.guardPolicyFor / toolsFor). A policy's version
 * is bumped on every change (part of the response-cache key).
 */

type PolicyRow = { id: string; featureId: string | null; version: number; config: unknown; createdAt: Date; updatedAt: Date };

function toPolicy(r: PolicyRow): GuardPolicy {
  return {
    id: r.id,
    featureId: r.featureId,
    version: r.version,
    config: parseGuardPolicy(r.config),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function listGuardPolicies(ctx: TenantCtx): Promise<GuardPolicy[]> {
  const rows = await db.guardPolicy.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(toPolicy);
}

async function requireFeature(tx: Prisma.TransactionClient, ctx: TenantCtx, featureId: string | null): Promise<void> {
  if (featureId === null) return;
  const f = await tx.feature.findFirst({ where: { id: featureId, tenantId: ctx.tenantId }, select: { id: true } });
  if (!f) throw new BadRequestError(`Unknown feature '${featureId.slice(0, 64)}'`, "featureId", "validation_failed");
}

/** The routes a policy names (classifier, async moderation) must be route aliases of the tenant. */
async function requireRoutes(tx: Prisma.TransactionClient, ctx: TenantCtx, config: GuardPolicyConfig): Promise<void> {
  const named: Array<[string, string]> = [];
  if (config.injection.classifier) named.push(["config.injection.classifier.route", config.injection.classifier.route]);
  if (config.moderation.async.route) named.push(["config.moderation.async.route", config.moderation.async.route]);
  for (const [param, alias] of named) {
    const r = await tx.route.findFirst({ where: { tenantId: ctx.tenantId, alias }, select: { id: true } });
    if (!r) throw new BadRequestError(`${param}: no route '${alias.slice(0, 100)}' in this tenant`, param, "validation_failed");
  }
  if (config.moderation.async.enabled && !config.moderation.async.route) {
    throw new BadRequestError("config.moderation.async.route: async moderation needs a moderation route", "config.moderation.async.route", "validation_failed");
  }
}

/** Creates or replaces the policy of a feature (or the tenant default); bumps its version. */
export async function putGuardPolicy(ctx: TenantCtx, input: PutGuardPolicyInput): Promise<GuardPolicy> {
  const result = await db.$transaction(async (tx) => {
    await requireFeature(tx, ctx, input.featureId);
    await requireRoutes(tx, ctx, input.config);
    const current = await tx.guardPolicy.findFirst({ where: { tenantId: ctx.tenantId, featureId: input.featureId } });
    const config = input.config as unknown as Prisma.InputJsonValue;
    if (current) {
      const before = toPolicy(current);
      if (JSON.stringify(before.config) === JSON.stringify(input.config)) return { policy: before, changed: false };
      const row = await tx.guardPolicy.update({ where: { id: current.id }, data: { config, version: { increment: 1 } } });
      const after = toPolicy(row);
      await writeAudit(tx, ctx, { action: "guard_policy:update", resourceType: "guard_policy", resourceId: row.id, before, after });
      return { policy: after, changed: true };
    }
    const row = await tx.guardPolicy.create({ data: { id: newId("guardPolicy"), tenantId: ctx.tenantId, featureId: input.featureId, config } });
    const after = toPolicy(row);
    await writeAudit(tx, ctx, { action: "guard_policy:create", resourceType: "guard_policy", resourceId: row.id, after });
    return { policy: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: ctx.tenantId, kind: "guard", id: result.policy.id });
  return result.policy;
}

/** Removes a policy: its feature falls back to the tenant default (or the built-in policy). */
export async function deleteGuardPolicy(ctx: TenantCtx, id: string): Promise<GuardPolicy> {
  const policy = await db.$transaction(async (tx) => {
    const row = await tx.guardPolicy.findFirst({ where: { id, tenantId: ctx.tenantId } });
    if (!row) throw new NotFoundError("guard_policy", id);
    await tx.guardPolicy.delete({ where: { id: row.id } });
    const before = toPolicy(row);
    await writeAudit(tx, ctx, { action: "guard_policy:delete", resourceType: "guard_policy", resourceId: id, before });
    return before;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "guard", id });
  return policy;
}

export async function getEffectiveGuardPolicy(ctx: TenantCtx, featureId: string | null): Promise<EffectiveGuardPolicy> {
  if (featureId) await requireFeature(db, ctx, featureId);
  const e = await effectiveGuardPolicy(db, ctx.tenantId, featureId);
  let source: EffectiveGuardPolicy["source"] = "default";
  if (e.id) {
    const row = await db.guardPolicy.findFirst({ where: { id: e.id, tenantId: ctx.tenantId }, select: { featureId: true } });
    source = row?.featureId ? "feature" : "tenant";
  }
  return { source, policyId: e.id, version: e.version, config: e.config };
}

/**
 * The dashboard's "test this text": the same detectors and policy code the
 * gateway runs (runTextGuard), on a text the member typed. Nothing is stored
 * or logged; the result holds offsets and kinds, plus the redacted text.
 */
export async function testGuards(ctx: TenantCtx, input: GuardTestInput): Promise<GuardTestResult> {
  const config = input.config ?? (await getEffectiveGuardPolicy(ctx, input.featureId ?? null)).config;
  const verdicts = input.guards.map((g) => runTextGuard(g, input.text, config));
  let redacted: string | null = null;
  if (input.guards.includes("pii")) {
    const findings = detectPii(input.text, config.pii.types.length > 0 ? config.pii.types : undefined);
    redacted = createRedactor().redact(input.text, findings);
  }
  return { verdicts, redacted };
}

// ---------------------------------------------------------------- tools

type ToolRow = { id: string; featureId: string | null; name: string; description: string; parameters: unknown; irreversible: boolean; requiredRole: string | null; createdAt: Date };

function toTool(r: ToolRow): ToolDefinition {
  return {
    id: r.id,
    featureId: r.featureId,
    name: r.name,
    description: r.description,
    parameters: asRecord(r.parameters),
    irreversible: r.irreversible,
    requiredRole: r.requiredRole,
    createdAt: r.createdAt.toISOString(),
  };
}

export async function listTools(ctx: TenantCtx): Promise<ToolDefinition[]> {
  const rows = await db.toolDefinition.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ name: "asc" }, { id: "asc" }] });
  return rows.map(toTool);
}

export async function createTool(ctx: TenantCtx, input: CreateToolInput): Promise<ToolDefinition> {
  const tool = await db.$transaction(async (tx) => {
    await requireFeature(tx, ctx, input.featureId);
    // The unique key (tenantId, featureId, name) does not cover featureId null in Postgres: checked here.
    const same = await tx.toolDefinition.findFirst({ where: { tenantId: ctx.tenantId, featureId: input.featureId, name: input.name }, select: { id: true } });
    if (same) throw new ConflictError(`A tool named '${input.name}' is already declared for this ${input.featureId ? "feature" : "tenant"}`);
    const row = await tx.toolDefinition.create({
      data: {
        id: newId("tool"),
        tenantId: ctx.tenantId,
        featureId: input.featureId,
        name: input.name,
        description: input.description,
        parameters: input.parameters as Prisma.InputJsonValue,
        irreversible: input.irreversible,
        requiredRole: input.requiredRole,
      },
    });
    const after = toTool(row);
    await writeAudit(tx, ctx, { action: "tool:create", resourceType: "tool", resourceId: row.id, after });
    return after;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "tool", id: tool.id });
  return tool;
}

export async function updateTool(ctx: TenantCtx, id: string, input: UpdateToolInput): Promise<ToolDefinition> {
  const result = await db.$transaction(async (tx) => {
    const row = await tx.toolDefinition.findFirst({ where: { id, tenantId: ctx.tenantId } });
    if (!row) throw new NotFoundError("tool", id);
    const before = toTool(row);
    const updated = await tx.toolDefinition.update({
      where: { id: row.id },
      data: {
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.parameters !== undefined ? { parameters: input.parameters as Prisma.InputJsonValue } : {}),
        ...(input.irreversible !== undefined ? { irreversible: input.irreversible } : {}),
        ...(input.requiredRole !== undefined ? { requiredRole: input.requiredRole } : {}),
      },
    });
    const after = toTool(updated);
    if (JSON.stringify(before) === JSON.stringify(after)) return { tool: before, changed: false };
    await writeAudit(tx, ctx, { action: "tool:update", resourceType: "tool", resourceId: id, before, after });
    return { tool: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: ctx.tenantId, kind: "tool", id });
  return result.tool;
}

export async function deleteTool(ctx: TenantCtx, id: string): Promise<ToolDefinition> {
  const tool = await db.$transaction(async (tx) => {
    const row = await tx.toolDefinition.findFirst({ where: { id, tenantId: ctx.tenantId } });
    if (!row) throw new NotFoundError("tool", id);
    await tx.toolDefinition.delete({ where: { id: row.id } });
    const before = toTool(row);
    await writeAudit(tx, ctx, { action: "tool:delete", resourceType: "tool", resourceId: id, before });
    return before;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "tool", id });
  return tool;
}
