"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { AuditLogEntry } from "@/lib/audit/schema";
import { fetchPage, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export type AuditFilters = { action?: string; resourceType?: string };

/** The tenant's audit log, newest first; each page continues from the previous page's cursor. */
export function useAuditLog(slug: string, filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: tenantKey(slug, "audit-log", filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: "50" });
      if (pageParam) q.set("cursor", pageParam);
      if (filters.action) q.set("action", filters.action);
      if (filters.resourceType) q.set("resourceType", filters.resourceType);
      return fetchPage(tenantApi(slug, `audit-log?${q}`), AuditLogEntry);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}
