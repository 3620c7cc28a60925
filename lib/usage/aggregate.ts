import type { Db } from "@/lib/db";

/**
 * Cost aggregation: `request_logs` -> `usage_rollups`.
 *
 * A bucket is (tenant, granularity, bucket start). Its rows are recomputed
 * from the source and replace what was there, inside one transaction that
 * holds an advisory lock on the bucket, so the result depends only on the
 * rows in `request_logs`: re-running a bucket gives the same rows (the same
 * ids too: an id is a digest of the row's key), and two workers on the same
 * bucket take turns.
 *
 * Dimensions, one row per combination (GROUPING SETS; "" = all values of
 * that dimension, NONE = requests without one):
 *   ()                 the tenant's total
 *   (feature)          per feature
 *   (model)            per model the caller named
 *   (api key)          per API key
 *   (end user)         per end-user
 *   (feature, model)   per feature and model
 *
 * Hours are computed from `request_logs` (the index on (tenant_id,
 * created_at) bounds the scan to the hour); days are the sum of their hours'
 * rows, so a day costs 24 x (rows per hour), not a scan of the day's logs.
 */

export const NONE = "(none)";
export type Granularity = "hour" | "day";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A request served from the cache: the cache stage (lib/gateway/stages/cache.ts)
 * writes `hit`, `miss` or `bypass` in `request_logs.cache` (semantic hits are
 * `hit` too, with `metadata.cache.kind`). Anything containing "hit" counts.
 */
export const CACHE_HIT_SQL = `(r.cache IS NOT NULL AND position('hit' in r.cache) > 0)`;

/**
 * Money a cache hit saved: the cost of the original call, recorded by the
 * cache stage in `metadata.cache.savedMicros` (integer micro-dollars, a
 * decimal string or a number). Missing or malformed = 0.
 */
export const SAVED_MICROS_SQL = `(CASE WHEN (r.metadata #>> '{cache,savedMicros}') ~ '^[0-9]{1,18}$' THEN (r.metadata #>> '{cache,savedMicros}')::bigint ELSE 0 END)`;

const DIMENSIONS = `
  CASE WHEN GROUPING(f) = 1 THEN '' ELSE f END,
  CASE WHEN GROUPING(m) = 1 THEN '' ELSE m END,
  CASE WHEN GROUPING(k) = 1 THEN '' ELSE k END,
  CASE WHEN GROUPING(u) = 1 THEN '' ELSE u END`;

/** $1 tenant, $2 hour start, $3 hour end. */
const INSERT_HOUR_SQL = `
WITH src AS (
  SELECT
    COALESCE(NULLIF(r.feature_id, ''), '${NONE}') AS f,
    COALESCE(NULLIF(r.model, ''), '${NONE}') AS m,
    COALESCE(NULLIF(r.api_key_id, ''), '${NONE}') AS k,
    COALESCE(NULLIF(r.end_user_id, ''), '${NONE}') AS u,
    r.status IN ('error', 'blocked') AS is_error,
    ${CACHE_HIT_SQL} AS is_hit,
    r.prompt_tokens, r.completion_tokens, r.cost_micros,
    ${SAVED_MICROS_SQL} AS saved
  FROM request_logs r
  WHERE r.tenant_id = $1 AND r.created_at >= $2 AND r.created_at < $3
), agg AS (
  SELECT ${DIMENSIONS},
    count(*)::int AS requests,
    count(*) FILTER (WHERE is_error)::int AS errors,
    count(*) FILTER (WHERE is_hit)::int AS cache_hits,
    COALESCE(sum(prompt_tokens), 0)::bigint AS prompt_tokens,
    COALESCE(sum(completion_tokens), 0)::bigint AS completion_tokens,
    COALESCE(sum(cost_micros), 0)::bigint AS cost_micros,
    COALESCE(sum(saved), 0)::bigint AS saved_micros
  FROM src
  GROUP BY GROUPING SETS ((), (f), (m), (k), (u), (f, m))
  HAVING count(*) > 0
)
INSERT INTO usage_rollups (id, tenant_id, granularity, bucket_start, feature_id, model, api_key_id, end_user_id,
  requests, errors, cache_hits, prompt_tokens, completion_tokens, cost_micros, saved_micros, updated_at)
SELECT 'use_' || md5(concat_ws('|', $1::text, 'hour', $2::timestamptz::text, a.feature_id, a.model, a.api_key_id, a.end_user_id)),
  $1, 'hour', $2, a.feature_id, a.model, a.api_key_id, a.end_user_id,
  a.requests, a.errors, a.cache_hits, a.prompt_tokens, a.completion_tokens, a.cost_micros, a.saved_micros, now()
FROM agg a(feature_id, model, api_key_id, end_user_id, requests, errors, cache_hits, prompt_tokens, completion_tokens, cost_micros, saved_micros)`;

/** $1 tenant, $2 day start, $3 day end. */
const INSERT_DAY_SQL = `
INSERT INTO usage_rollups (id, tenant_id, granularity, bucket_start, feature_id, model, api_key_id, end_user_id,
  requests, errors, cache_hits, prompt_tokens, completion_tokens, cost_micros, saved_micros, updated_at)
SELECT 'use_' || md5(concat_ws('|', $1::text, 'day', $2::timestamptz::text, h.feature_id, h.model, h.api_key_id, h.end_user_id)),
  $1, 'day', $2, h.feature_id, h.model, h.api_key_id, h.end_user_id,
  sum(h.requests)::int, sum(h.errors)::int, sum(h.cache_hits)::int,
  sum(h.prompt_tokens)::bigint, sum(h.completion_tokens)::bigint, sum(h.cost_micros)::bigint, sum(h.saved_micros)::bigint, now()
FROM usage_rollups h
WHERE h.tenant_id = $1 AND h.granularity = 'hour' AND h.bucket_start >= $2 AND h.bucket_start < $3
GROUP BY h.feature_id, h.model, h.api_key_id, h.end_user_id`;

const DELETE_BUCKET_SQL = `DELETE FROM usage_rollups WHERE tenant_id = $1 AND granularity = $2 AND bucket_start = $3`;
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text AS locked`;

export function hourStart(d: Date): Date {
  return new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
}

export function dayStart(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
}

/** Replaces the rows of one bucket with `insertSql`'s, under the bucket's lock. Resolves with the rows written. */
async function replaceBucket(db: Db, tenantId: string, granularity: Granularity, start: Date, insertSql: string): Promise<number> {
  const end = new Date(start.getTime() + (granularity === "hour" ? HOUR_MS : DAY_MS));
  return db.$transaction(async (tx) => {
    // $queryRaw: pg_advisory_xact_lock returns a void column, which $executeRaw would refuse to count.
    await tx.$queryRawUnsafe(LOCK_SQL, `usage:${tenantId}:${granularity}:${start.toISOString()}`);
    await tx.$executeRawUnsafe(DELETE_BUCKET_SQL, tenantId, granularity, start);
    return tx.$executeRawUnsafe(insertSql, tenantId, start, end);
  });
}

export interface RollupOutcome {
  hours: number;
  days: number;
  rows: number;
}

/**
 * Recomputes the given hours of a tenant, then every day that holds one of
 * them. Idempotent; safe to run concurrently with itself.
 */
export async function rollUpHours(db: Db, tenantId: string, hours: readonly Date[]): Promise<RollupOutcome> {
  const uniqueHours = [...new Set(hours.map((h) => hourStart(h).getTime()))].sort((a, b) => a - b);
  const uniqueDays = [...new Set(uniqueHours.map((h) => dayStart(new Date(h)).getTime()))];
  let rows = 0;
  for (const h of uniqueHours) rows += await replaceBucket(db, tenantId, "hour", new Date(h), INSERT_HOUR_SQL);
  for (const d of uniqueDays) rows += await replaceBucket(db, tenantId, "day", new Date(d), INSERT_DAY_SQL);
  return { hours: uniqueHours.length, days: uniqueDays.length, rows };
}

/** Tenants with request logs in [from, to): what the sweep recomputes. */
export async function tenantsWithTraffic(db: Db, from: Date, to: Date): Promise<string[]> {
  // One index probe per tenant (tenants are few; request_logs are many): (tenant_id, created_at) answers EXISTS at once.
  const rows = await db.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT t.id FROM tenants t WHERE EXISTS (SELECT 1 FROM request_logs r WHERE r.tenant_id = t.id AND r.created_at >= $1 AND r.created_at < $2)`,
    from,
    to,
  );
  return rows.map((r) => r.id);
}
