import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import { afterCursor, toPage } from "@/lib/http/cursor";
import type { Page } from "@/lib/http/respond";
import type { RequestLogSummary } from "@/lib/requests/schema";
import type { BadAnswer, ListBadAnswersQuery } from "@/lib/feedback/schema";

/**
 * Feedback on answers. The data plane stores what an application's end-user
 * said (`POST /v1/feedback`); a negative score puts the request in support's
 * "bad answers" queue, which the dashboard lists and resolves.
 *
 * The request may not be in `request_logs` yet (the worker writes in batches,
 * and a spooled record arrives after Redis is back), so feedback is accepted
 * for any request id and stored under the caller's tenant; it is joined with
 * the request log of the same tenant only when read. A tenant can therefore
 * never attach feedback to another tenant's request, nor learn whether an id
 * exists elsewhere.
 */

export interface NewFeedback {
  requestId: string;
  score: number;
  comment: string;
  endUserId: string | null;
}

export interface FeedbackRow {
  id: string;
  tenantId: string;
  requestId: string;
  score: number;
  comment: string;
  endUserId: string | null;
  createdAt: Date;
}

/** Stores one piece of feedback for `tenantId` (the API key's tenant). Not audited: it is data, not configuration. */
export async function submitFeedback(tenantId: string, input: NewFeedback): Promise<FeedbackRow> {
  return db.feedback.create({
    data: { id: newId("feedback"), tenantId, requestId: input.requestId, score: input.score, comment: input.comment, endUserId: input.endUserId },
    select: { id: true, tenantId: true, requestId: true, score: true, comment: true, endUserId: true, createdAt: true },
  });
}

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

const feedbackFields = {
  id: true, requestId: true, score: true, comment: true, endUserId: true, createdAt: true, resolvedAt: true, resolvedById: true,
} as const satisfies Prisma.FeedbackSelect;

type FeedbackSelected = Prisma.FeedbackGetPayload<{ select: typeof feedbackFields }>;

function toBadAnswer(f: FeedbackSelected, request: SummaryRow | undefined): BadAnswer {
  return {
    id: f.id,
    requestId: f.requestId,
    score: f.score,
    comment: f.comment,
    endUserId: f.endUserId,
    createdAt: f.createdAt.toISOString(),
    resolvedAt: f.resolvedAt?.toISOString() ?? null,
    resolvedById: f.resolvedById,
    request: request ? toSummary(request) : null,
  };
}

/** The request-log summaries of `requestIds` in this tenant, by id (one query). */
async function summariesOf(tenantId: string, requestIds: string[]): Promise<Map<string, SummaryRow>> {
  if (requestIds.length === 0) return new Map();
  const rows = await db.requestLog.findMany({ where: { tenantId, id: { in: [...new Set(requestIds)] } }, select: summaryFields });
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Support's queue: negative feedback, newest first, cursor-paged, each with
 * its request's summary (null until the request log row is written).
 * `resolved`: false = open, true = resolved, undefined = both.
 */
export async function listBadAnswers(
  ctx: TenantCtx,
  query: Partial<Pick<ListBadAnswersQuery, "cursor" | "limit" | "resolved">> = {},
): Promise<Page<BadAnswer>> {
  const limit = query.limit ?? 50;
  const rows = await db.feedback.findMany({
    where: {
      tenantId: ctx.tenantId,
      score: { lt: 0 },
      ...(query.resolved === undefined ? {} : { resolvedAt: query.resolved ? { not: null } : null }),
      ...afterCursor(query.cursor),
    },
    select: feedbackFields,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const requests = await summariesOf(ctx.tenantId, rows.slice(0, limit).map((r) => r.requestId));
  return toPage(rows, limit, (r) => r.createdAt, (r) => toBadAnswer(r, requests.get(r.requestId)));
}

/**
 * Marks a bad answer resolved, with its audit row in the same transaction.
 * Idempotent: resolving a resolved one changes nothing and writes no audit row.
 */
export async function resolveBadAnswer(ctx: TenantCtx, id: string): Promise<BadAnswer> {
  const row = await db.$transaction(async (tx) => {
    const current = await tx.feedback.findFirst({ where: { id, tenantId: ctx.tenantId, score: { lt: 0 } }, select: feedbackFields });
    if (!current) throw new NotFoundError("bad_answer", id);
    if (current.resolvedAt) return current;
    const resolvedById = ctx.actor.type === "user" ? ctx.actor.id : null;
    // Conditional on still being open, so two concurrent resolves write one audit row.
    const { count } = await tx.feedback.updateMany({
      where: { id, tenantId: ctx.tenantId, resolvedAt: null },
      data: { resolvedAt: new Date(), resolvedById },
    });
    const updated = await tx.feedback.findFirstOrThrow({ where: { id, tenantId: ctx.tenantId }, select: feedbackFields });
    if (count === 1) {
      await writeAudit(tx, ctx, {
        action: "feedback:resolve",
        resourceType: "feedback",
        resourceId: id,
        before: { resolvedAt: null, resolvedById: null },
        after: { resolvedAt: updated.resolvedAt?.toISOString() ?? null, resolvedById: updated.resolvedById, requestId: updated.requestId, score: updated.score },
      });
    }
    return updated;
  });
  const requests = await summariesOf(ctx.tenantId, [row.requestId]);
  return toBadAnswer(row, requests.get(row.requestId));
}
