import { db } from "@/lib/db";
import type { TenantCtx } from "@/lib/authz/context";
import { afterCursor, toPage } from "@/lib/http/cursor";
import { asRecord, isoOrNull } from "@/lib/http/json";
import type { Page } from "@/lib/http/respond";
import type { CursorQuery } from "@/lib/http/schema";
import type { EvalRun, GoldenSet } from "@/lib/evals/schema";

export async function listGoldenSets(ctx: TenantCtx): Promise<GoldenSet[]> {
  const rows = await db.goldenSet.findMany({
    where: { tenantId: ctx.tenantId },
    include: { _count: { select: { cases: true } } },
    orderBy: { name: "asc" },
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    featureId: r.featureId,
    caseCount: r._count.cases,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** Eval runs, newest first, cursor-paged. */
export async function listEvalRuns(ctx: TenantCtx, query: CursorQuery): Promise<Page<EvalRun>> {
  const rows = await db.evalRun.findMany({
    where: { tenantId: ctx.tenantId, ...afterCursor(query.cursor) },
    include: { goldenSet: { select: { name: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (r) => r.createdAt, (r) => ({
    id: r.id,
    goldenSetId: r.goldenSetId,
    goldenSetName: r.goldenSet.name,
    promptVersionId: r.promptVersionId,
    status: r.status,
    summary: asRecord(r.summary),
    createdById: r.createdById,
    createdAt: r.createdAt.toISOString(),
    startedAt: isoOrNull(r.startedAt),
    finishedAt: isoOrNull(r.finishedAt),
  }));
}
