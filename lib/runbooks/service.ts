import { db } from "@/lib/db";
import type { TenantCtx } from "@/lib/authz/context";
import { asArray } from "@/lib/http/json";
import type { Runbook } from "@/lib/runbooks/schema";

export async function listRunbooks(ctx: TenantCtx): Promise<Runbook[]> {
  const rows = await db.runbook.findMany({ where: { tenantId: ctx.tenantId }, orderBy: { title: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    signal: r.signal,
    body: r.body,
    mitigations: asArray(r.mitigations),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}
