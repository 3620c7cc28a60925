"use client";

import { useQuery } from "@tanstack/react-query";
import { RouteTargetsHealth } from "@/lib/routes/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const routeTargetsHealthKey = (slug: string) => tenantKey(slug, "route-targets", "health");

/** Every target's live circuit state and recent error rate, polled while the page is visible. */
export function useRouteTargetsHealth(slug: string, intervalMs = 5_000) {
  return useQuery({
    queryKey: routeTargetsHealthKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "route-targets/health"), RouteTargetsHealth),
    refetchInterval: intervalMs,
    staleTime: 0,
  });
}
