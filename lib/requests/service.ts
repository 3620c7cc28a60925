import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { NotFoundError } from "@/lib/errors";
import type { TenantCtx } from "@/lib/authz/context";
import { afterCursor, toPage } from "@/lib/http/cursor";
import { asArray, asRecord, isoOrNull } from "@/lib/http/json";
import type { Page } from "@/lib/http/respond";
import type { ListRequestsQuery, RequestLogDetail, RequestLogSummary } from "@/lib/requests/schema";

const summaryFields = {
  id: true, createdAt: true, featureId: true, apiKeyId: true, endUserId: true, endpoint: true, model: true,
  servedBy: true, promptVersionId: true, status: true, httpStatus: true, errorCode: true, fallbackReason: true,
  streamed: true, cache: true, promptTokens: true, completionTokens: true, cachedTokens: true,
  reasoningTokens: true, costMicros: true, latencyMs: true, ttftMs: true,
} as const satisfies Prisma.RequestLogSelect;

type SummaryRow = Prisma.RequestLogGetPayload<{ select: typeof summaryFields }>;

function toSummary(r: SummaryRow): RequestLogSummary {
  return { ...r, createdAt: r.createdAt.toISOString(), costMicros: r.costMicros.toString() };
}

/**
 * Request logs, newest first, keyset-paged on (created_at, id) so it walks the
 * (tenant_id, created_at desc) indexes and prunes partitions by month.
 */
export async function listRequests(ctx: TenantCtx, query: ListRequestsQuery): Promise<Page<RequestLogSummary>> {
  const createdAt: Prisma.DateTimeFilter = {};
  if (query.from) createdAt.gte = new Date(query.from);
  if (query.to) createdAt.lt = new Date(query.to);
  const rows = await db.requestLog.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(query.featureId ? { featureId: query.featureId } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.model ? { model: query.model } : {}),
      ...(query.endUserId ? { endUserId: query.endUserId } : {}),
      ...(query.from || query.to ? { createdAt } : {}),
      ...afterCursor(query.cursor),
    },
    select: summaryFields,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (r) => r.createdAt, toSummary);
}

export async function getRequestOrThrow(ctx: TenantCtx, id: string): Promise<RequestLogDetail> {
  const row = await db.requestLog.findFirst({
    where: { id, tenantId: ctx.tenantId },
    select: { ...summaryFields, request: true, response: true, contextDocs: true, attempts: true, guardVerdicts: true, redactions: true, metadata: true },
  });
  if (!row) throw new NotFoundError("request", id);
  const feedback = await db.feedback.findMany({ where: { tenantId: ctx.tenantId, requestId: id }, orderBy: { createdAt: "asc" } });
  const { request, response, contextDocs, attempts, guardVerdicts, redactions, metadata, ...summaryRow } = row;
  return {
    ...toSummary(summaryRow),
    request,
    response: response ?? null,
    contextDocs: asArray(contextDocs),
    attempts: asArray(attempts),
    guardVerdicts: asArray(guardVerdicts),
    redactions: asArray(redactions),
    metadata: asRecord(metadata),
    feedback: feedback.map((f) => ({
      id: f.id,
      score: f.score,
      comment: f.comment,
      endUserId: f.endUserId,
      resolvedAt: isoOrNull(f.resolvedAt),
      createdAt: f.createdAt.toISOString(),
    })),
  };
}
