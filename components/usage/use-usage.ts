"use client";

import { useQuery } from "@tanstack/react-query";
import { BlockedUsage, CacheUsage, TopEndUsers, UsageSeries, type UsageGranularity, type UsageGroupBy } from "@/lib/usage/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** What the page asks for: a bucket size and how far back from now. */
export interface UsageRange {
  granularity: UsageGranularity;
  /** Hours back from now. */
  spanHours: number;
}

/** The ranges offered per bucket size (hourly buckets: at most 31 days server-side). */
export const RANGE_OPTIONS: Record<UsageGranularity, Array<{ spanHours: number; label: string }>> = {
  hour: [
    { spanHours: 24, label: "Last 24 hours" },
    { spanHours: 72, label: "Last 3 days" },
    { spanHours: 7 * 24, label: "Last 7 days" },
  ],
  day: [
    { spanHours: 7 * 24, label: "Last 7 days" },
    { spanHours: 30 * 24, label: "Last 30 days" },
    { spanHours: 90 * 24, label: "Last 90 days" },
  ],
};

function params(range: UsageRange, extra: Record<string, string> = {}): string {
  const now = Date.now();
  const q = new URLSearchParams({
    granularity: range.granularity,
    from: new Date(now - range.spanHours * 3_600_000).toISOString(),
    to: new Date(now).toISOString(),
    ...extra,
  });
  return q.toString();
}

const rangeKey = (range: UsageRange) => ({ granularity: range.granularity, spanHours: range.spanHours });

/** Near-live: roll-ups follow traffic within seconds, so refresh every 15 s while the page is open. */
const REFETCH_MS = 15_000;

export function useUsageSeries(slug: string, range: UsageRange, groupBy: UsageGroupBy) {
  return useQuery({
    queryKey: tenantKey(slug, "usage", "series", { ...rangeKey(range), groupBy }),
    queryFn: () => fetchData(tenantApi(slug, `usage/series?${params(range, { groupBy })}`), UsageSeries),
    refetchInterval: REFETCH_MS,
  });
}

export function useTopEndUsers(slug: string, range: UsageRange) {
  return useQuery({
    queryKey: tenantKey(slug, "usage", "end-users", rangeKey(range)),
    queryFn: () => fetchData(tenantApi(slug, `usage/end-users?${params(range, { limit: "10" })}`), TopEndUsers),
    refetchInterval: REFETCH_MS,
  });
}

export function useCacheUsage(slug: string, range: UsageRange) {
  return useQuery({
    queryKey: tenantKey(slug, "usage", "cache", rangeKey(range)),
    queryFn: () => fetchData(tenantApi(slug, `usage/cache?${params(range)}`), CacheUsage),
    refetchInterval: REFETCH_MS,
  });
}

export function useBlockedUsage(slug: string, range: UsageRange) {
  return useQuery({
    queryKey: tenantKey(slug, "usage", "blocked", rangeKey(range)),
    queryFn: () => fetchData(tenantApi(slug, `usage/blocked?${params(range)}`), BlockedUsage),
    refetchInterval: REFETCH_MS,
  });
}
