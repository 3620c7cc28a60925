import { db } from "@/lib/db";
import { NONE } from "@/lib/usage/aggregate";
import { BadRequestError } from "@/lib/errors";
import type { TenantCtx } from "@/lib/authz/context";
import {
  MAX_RANGE_MS,
  type BlockedUsage,
  type CacheUsage,
  type TopEndUsers,
  type UsageGranularity,
  type UsageRangeQuery,
  type UsageSeries,
  type UsageSeriesQuery,
  type UsageTopQuery,
} from "@/lib/usage/schema";

/**
 * Reads of the Usage page. Every query is scoped by the tenant and bounded
 * by the unique index of usage_rollups (tenant_id, granularity,
 * bucket_start, ...), or for blocked requests by request_logs' index
 * (tenant_id, status, created_at).
 */

const BUCKET_MS: Record<UsageGranularity, number> = { hour: 3_600_000, day: 24 * 3_600_000 };
const DEFAULT_SPAN_MS: Record<UsageGranularity, number> = { hour: 24 * 3_600_000, day: 30 * 24 * 3_600_000 };

interface Range {
  granularity: UsageGranularity;
  from: Date;
  to: Date;
}

export function resolveRange(q: UsageRangeQuery, now = new Date()): Range {
  const to = q.to ? new Date(q.to) : now;
  const rawFrom = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_SPAN_MS[q.granularity]);
  const size = BUCKET_MS[q.granularity];
  const from = new Date(Math.floor(rawFrom.getTime() / size) * size);
  if (from >= to) throw new BadRequestError("from: must be before to", "from", "validation_failed");
  if (to.getTime() - from.getTime() > MAX_RANGE_MS[q.granularity]) {
    throw new BadRequestError(`from: the range is too long for ${q.granularity}ly buckets (at most ${MAX_RANGE_MS[q.granularity] / BUCKET_MS.day} days)`, "from", "validation_failed");
  }
  return { granularity: q.granularity, from, to };
}

function rangeOut(r: Range) {
  return { granularity: r.granularity, from: r.from.toISOString(), to: r.to.toISOString() };
}

const GROUP_FILTER: Record<UsageSeriesQuery["groupBy"], string> = {
  tenant: `feature_id = '' AND model = '' AND api_key_id = '' AND end_user_id = ''`,
  feature: `feature_id <> '' AND model = '' AND api_key_id = '' AND end_user_id = ''`,
  model: `feature_id = '' AND model <> '' AND api_key_id = '' AND end_user_id = ''`,
};
const GROUP_KEY: Record<UsageSeriesQuery["groupBy"], string> = { tenant: `'all'`, feature: "feature_id", model: "model" };

interface SeriesRow {
  bucket_start: Date;
  key: string;
  requests: number;
  errors: number;
  prompt_tokens: bigint;
  completion_tokens: bigint;
  cost_micros: bigint;
}

export async function getUsageSeries(ctx: TenantCtx, q: UsageSeriesQuery): Promise<UsageSeries> {
  const range = resolveRange(q);
  const rows = await db.$queryRawUnsafe<SeriesRow[]>(
    `SELECT bucket_start, ${GROUP_KEY[q.groupBy]} AS key, requests, errors, prompt_tokens, completion_tokens, cost_micros
     FROM usage_rollups
     WHERE tenant_id = $1 AND granularity = $2 AND bucket_start >= $3 AND bucket_start < $4 AND ${GROUP_FILTER[q.groupBy]}
     ORDER BY bucket_start, key`,
    ctx.tenantId,
    range.granularity,
    range.from,
    range.to,
  );
  const labels: Record<string, string> = {};
  if (q.groupBy === "feature") {
    const ids = [...new Set(rows.map((r) => r.key))];
    const features = await db.feature.findMany({ where: { tenantId: ctx.tenantId, id: { in: ids } }, select: { id: true, name: true } });
    for (const f of features) labels[f.id] = f.name;
  }
  return {
    ...rangeOut(range),
    groupBy: q.groupBy,
    labels,
    points: rows.map((r) => ({
      bucketStart: r.bucket_start.toISOString(),
      key: r.key,
      requests: r.requests,
      errors: r.errors,
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      costMicros: r.cost_micros.toString(),
    })),
  };
}

/** Requests without an end-user are left out (they are no one's). */
export async function getTopEndUsers(ctx: TenantCtx, q: UsageTopQuery): Promise<TopEndUsers> {
  const range = resolveRange(q);
  const rows = await db.$queryRawUnsafe<Array<{ end_user_id: string; requests: bigint; prompt_tokens: bigint; completion_tokens: bigint; cost_micros: bigint }>>(
    `SELECT end_user_id, sum(requests)::bigint AS requests, sum(prompt_tokens)::bigint AS prompt_tokens,
            sum(completion_tokens)::bigint AS completion_tokens, sum(cost_micros)::bigint AS cost_micros
     FROM usage_rollups
     WHERE tenant_id = $1 AND granularity = $2 AND bucket_start >= $3 AND bucket_start < $4
       AND feature_id = '' AND model = '' AND api_key_id = '' AND end_user_id NOT IN ('', $6)
     GROUP BY end_user_id
     ORDER BY cost_micros DESC, end_user_id
     LIMIT $5`,
    ctx.tenantId,
    range.granularity,
    range.from,
    range.to,
    q.limit,
    NONE,
  );
  return {
    ...rangeOut(range),
    endUsers: rows.map((r) => ({
      endUserId: r.end_user_id,
      requests: Number(r.requests),
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      costMicros: r.cost_micros.toString(),
    })),
  };
}

export async function getCacheUsage(ctx: TenantCtx, q: UsageRangeQuery): Promise<CacheUsage> {
  const range = resolveRange(q);
  const rows = await db.$queryRawUnsafe<Array<{ bucket_start: Date; requests: number; cache_hits: number; saved_micros: bigint }>>(
    `SELECT bucket_start, requests, cache_hits, saved_micros FROM usage_rollups
     WHERE tenant_id = $1 AND granularity = $2 AND bucket_start >= $3 AND bucket_start < $4
       AND feature_id = '' AND model = '' AND api_key_id = '' AND end_user_id = ''
     ORDER BY bucket_start`,
    ctx.tenantId,
    range.granularity,
    range.from,
    range.to,
  );
  const requests = rows.reduce((s, r) => s + r.requests, 0);
  const cacheHits = rows.reduce((s, r) => s + r.cache_hits, 0);
  const saved = rows.reduce((s, r) => s + r.saved_micros, 0n);
  return {
    ...rangeOut(range),
    requests,
    cacheHits,
    hitRate: requests > 0 ? cacheHits / requests : 0,
    savedMicros: saved.toString(),
    points: rows.map((r) => ({ bucketStart: r.bucket_start.toISOString(), requests: r.requests, cacheHits: r.cache_hits, savedMicros: r.saved_micros.toString() })),
  };
}

export async function getBlockedUsage(ctx: TenantCtx, q: UsageRangeQuery): Promise<BlockedUsage> {
  const range = resolveRange(q);
  // A refused request is `blocked`, or `fallback` when the feature's static answer replaced it. The index
  // (tenant_id, status, created_at) bounds the scan to those two statuses in the range.
  const rows = await db.$queryRawUnsafe<Array<{ bucket_start: Date; budget: bigint; rate_limit: bigint }>>(
    `SELECT date_trunc($4, created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket_start,
            count(*) FILTER (WHERE error_code = 'budget_exceeded') AS budget,
            count(*) FILTER (WHERE error_code = 'rate_limit_exceeded') AS rate_limit
     FROM request_logs
     WHERE tenant_id = $1 AND status IN ('blocked', 'fallback') AND created_at >= $2 AND created_at < $3
       AND error_code IN ('budget_exceeded', 'rate_limit_exceeded')
     GROUP BY 1 ORDER BY 1`,
    ctx.tenantId,
    range.from,
    range.to,
    range.granularity,
  );
  const points = rows.map((r) => ({ bucketStart: r.bucket_start.toISOString(), budget: Number(r.budget), rateLimit: Number(r.rate_limit) }));
  return {
    ...rangeOut(range),
    budget: points.reduce((s, p) => s + p.budget, 0),
    rateLimit: points.reduce((s, p) => s + p.rateLimit, 0),
    points,
  };
}
