"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { FlaggedRequest } from "@/lib/requests/schema";
import { fetchPage, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export type FlaggedFilters = { guard?: string; verdict?: string; featureId?: string; from?: string; to?: string };

/** Requests a guard flagged, redacted or blocked, newest first, keyset-paged by the server's cursor. */
export function useFlagged(slug: string, filters: FlaggedFilters, limit = 50) {
  return useInfiniteQuery({
    queryKey: tenantKey(slug, "flagged", { ...filters, limit }),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: String(limit) });
      for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
      if (pageParam) q.set("cursor", pageParam);
      return fetchPage(tenantApi(slug, `flagged?${q}`), FlaggedRequest);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}
