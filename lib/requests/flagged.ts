import type { TenantCtx } from "@/lib/authz/context";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { afterCursor, toPage } from "@/lib/http/cursor";
import { asArray } from "@/lib/http/json";
import type { Page } from "@/lib/http/respond";
import { FlaggedVerdict, LoggedGuardVerdict, type FlaggedRequest, type ListFlaggedQuery } from "@/lib/requests/schema";

const fields = {
  id: true, createdAt: true, featureId: true, apiKeyId: true, endUserId: true, endpoint: true, model: true,
  servedBy: true, promptVersionId: true, status: true, httpStatus: true, errorCode: true, fallbackReason: true,
  streamed: true, cache: true, promptTokens: true, completionTokens: true, cachedTokens: true,
  reasoningTokens: true, costMicros: true, latencyMs: true, ttftMs: true, guardVerdicts: true,
} as const satisfies Prisma.RequestLogSelect;

type Row = Prisma.RequestLogGetPayload<{ select: typeof fields }>;

/**
 * The containment tests (`guard_verdicts @> '[{"verdict":"block"}]'`) that make
 * a request "flagged": some guard said flag, redact or block (a guard that
 * refused the request always records its `block` verdict; async moderation
 * appends its `flag`). Refusals by limits, keys or switches are not guard
 * verdicts and stay on the Requests page.
 */
export function flaggedWhere(query: Pick<ListFlaggedQuery, "guard" | "verdict">): Prisma.RequestLogWhereInput {
  const verdicts = query.verdict ? [query.verdict] : FlaggedVerdict.options;
  const contains = verdicts.map((verdict) => ({
    guardVerdicts: { array_contains: [query.guard ? { guard: query.guard, verdict } : { verdict }] },
  }));
  return contains.length === 1 ? contains[0]! : { OR: contains };
}

/** A stored verdict list as the API shows it; unreadable entries are dropped, never passed through raw. */
export function readVerdicts(raw: unknown): LoggedGuardVerdict[] {
  return asArray(raw).flatMap((v) => {
    const parsed = LoggedGuardVerdict.safeParse(v);
    return parsed.success ? [parsed.data] : [];
  });
}

function toFlagged(r: Row): FlaggedRequest {
  const { guardVerdicts, ...rest } = r;
  return { ...rest, createdAt: r.createdAt.toISOString(), costMicros: r.costMicros.toString(), guardVerdicts: readVerdicts(guardVerdicts) };
}

/**
 * Requests a guard flagged, redacted or blocked, newest first, keyset-paged on
 * (created_at, id) like listRequests: it walks the (tenant_id, created_at desc)
 * index (or (tenant_id, feature_id, created_at desc) with a feature) newest
 * first, tests each row's verdicts, and stops at `limit + 1` matches; the
 * cursor's upper bound and `from`/`to` prune partitions by month.
 */
export async function listFlagged(ctx: TenantCtx, query: ListFlaggedQuery): Promise<Page<FlaggedRequest>> {
  const createdAt: Prisma.DateTimeFilter = {};
  if (query.from) createdAt.gte = new Date(query.from);
  if (query.to) createdAt.lt = new Date(query.to);
  const rows = await db.requestLog.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(query.featureId ? { featureId: query.featureId } : {}),
      ...(query.from || query.to ? { createdAt } : {}),
      AND: [flaggedWhere(query), afterCursor(query.cursor)],
    },
    select: fields,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (r) => r.createdAt, toFlagged);
}
