import type { Db } from "@/lib/db";
import { DEFAULT_GUARD_POLICY, parseGuardPolicy, type GuardPolicyConfig } from "@/lib/guards/policy";

/**
 * The effective guard policy, read from Postgres (workers, the control plane;
 * the gateway reads the same rule from its snapshot: snapshot.guardPolicyFor):
 * the feature's policy, else the tenant's default (featureId null), else
 * DEFAULT_GUARD_POLICY (version 0).
 */
export async function effectiveGuardPolicy(db: Db, tenantId: string, featureId: string | null): Promise<{ config: GuardPolicyConfig; version: number; id: string | null }> {
  const rows = await db.guardPolicy.findMany({
    where: { tenantId, OR: [{ featureId: null }, ...(featureId ? [{ featureId }] : [])] },
    select: { id: true, featureId: true, version: true, config: true },
  });
  const row = rows.find((r) => featureId !== null && r.featureId === featureId) ?? rows.find((r) => r.featureId === null);
  if (!row) return { config: DEFAULT_GUARD_POLICY, version: 0, id: null };
  return { config: parseGuardPolicy(row.config), version: row.version, id: row.id };
}
