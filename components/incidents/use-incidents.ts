"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import type { z } from "zod";
import { Incident, type IncidentStatus } from "@/lib/incidents/schema";
import { fetchPage, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export type IncidentStatusFilter = z.infer<typeof IncidentStatus> | "all";

/** Incidents, newest first, cursor-paged, optionally by status. */
export function useIncidents(slug: string, status: IncidentStatusFilter) {
  return useInfiniteQuery({
    queryKey: tenantKey(slug, "incidents", { status }),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: "25" });
      if (pageParam) q.set("cursor", pageParam);
      if (status !== "all") q.set("status", status);
      return fetchPage(tenantApi(slug, `incidents?${q}`), Incident);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}
