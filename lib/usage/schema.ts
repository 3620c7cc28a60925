import { z } from "zod";
import { IsoDateTime, Micros } from "@/lib/http/schema";

/**
 * The Usage page's read API (pure zod, browser-safe): every view reads the
 * roll-ups of lib/usage/aggregate.ts, except blocked requests, which come
 * from request_logs (status `blocked`, index (tenant_id, status, created_at)).
 */

export const UsageGranularity = z.enum(["hour", "day"]);
export type UsageGranularity = z.infer<typeof UsageGranularity>;

/** Longest range per granularity (hours: 31 days; days: 366 days). */
export const MAX_RANGE_MS = { hour: 31 * 24 * 3_600_000, day: 366 * 24 * 3_600_000 } as const;

export const UsageRangeQuery = z.object({
  granularity: UsageGranularity.default("hour"),
  /** Start (inclusive; floored to the bucket). Default: 24 hours (hourly) or 30 days (daily) before `to`. */
  from: IsoDateTime.optional(),
  /** End (exclusive). Default: now. */
  to: IsoDateTime.optional(),
});
export type UsageRangeQuery = z.infer<typeof UsageRangeQuery>;

export const UsageGroupBy = z.enum(["tenant", "feature", "model"]);
export type UsageGroupBy = z.infer<typeof UsageGroupBy>;

export const UsageSeriesQuery = UsageRangeQuery.extend({ groupBy: UsageGroupBy.default("tenant") });
export type UsageSeriesQuery = z.infer<typeof UsageSeriesQuery>;

export const UsageTopQuery = UsageRangeQuery.extend({ limit: z.coerce.number().int().min(1).max(200).default(10) });
export type UsageTopQuery = z.infer<typeof UsageTopQuery>;

const Range = { granularity: UsageGranularity, from: IsoDateTime, to: IsoDateTime };

export const UsagePoint = z.object({
  bucketStart: IsoDateTime,
  /** The group: "all" (tenant), a feature id, a model name, or "(none)". */
  key: z.string(),
  requests: z.number().int(),
  errors: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costMicros: Micros,
});
export type UsagePoint = z.infer<typeof UsagePoint>;

export const UsageSeries = z.object({
  ...Range,
  groupBy: UsageGroupBy,
  /** Display name of each key (feature names; models and "all" name themselves). */
  labels: z.record(z.string(), z.string()),
  points: z.array(UsagePoint),
});
export type UsageSeries = z.infer<typeof UsageSeries>;

export const TopEndUser = z.object({
  endUserId: z.string(),
  requests: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costMicros: Micros,
});
export type TopEndUser = z.infer<typeof TopEndUser>;

export const TopEndUsers = z.object({ ...Range, endUsers: z.array(TopEndUser) });
export type TopEndUsers = z.infer<typeof TopEndUsers>;

export const CacheUsage = z.object({
  ...Range,
  requests: z.number().int(),
  cacheHits: z.number().int(),
  /** cacheHits / requests, 0 when there were none. */
  hitRate: z.number(),
  savedMicros: Micros,
  points: z.array(z.object({ bucketStart: IsoDateTime, requests: z.number().int(), cacheHits: z.number().int(), savedMicros: Micros })),
});
export type CacheUsage = z.infer<typeof CacheUsage>;

export const BlockedUsage = z.object({
  ...Range,
  /** Requests refused with `budget_exceeded`. */
  budget: z.number().int(),
  /** Requests refused with `rate_limit_exceeded`. */
  rateLimit: z.number().int(),
  points: z.array(z.object({ bucketStart: IsoDateTime, budget: z.number().int(), rateLimit: z.number().int() })),
});
export type BlockedUsage = z.infer<typeof BlockedUsage>;
