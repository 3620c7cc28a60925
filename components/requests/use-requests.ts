"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { RequestLogSummary } from "@/lib/requests/schema";
import { fetchPage, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export type RequestFilters = {
  featureId?: string;
  status?: string;
  model?: string;
  endUserId?: string;
  /** ISO 8601, inclusive. */
  from?: string;
  /** ISO 8601, exclusive. */
  to?: string;
};

/** Request logs, newest first, keyset-paged by the server's cursor. */
export function useRequests(slug: string, filters: RequestFilters, limit = 50) {
  return useInfiniteQuery({
    queryKey: tenantKey(slug, "requests", { ...filters, limit }),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: String(limit) });
      for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
      if (pageParam) q.set("cursor", pageParam);
      return fetchPage(tenantApi(slug, `requests?${q}`), RequestLogSummary);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}
