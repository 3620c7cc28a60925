"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { RouteTarget, type UpdateRouteTargetInput } from "@/lib/routes/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { routeTargetsHealthKey } from "./use-route-targets-health";
import { routesKey } from "./use-routes";

/** Forces a target's circuit open or closed, clears the override, or switches the target off/on. */
export function useUpdateRouteTarget(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...input }: UpdateRouteTargetInput & { id: string }) =>
      sendData("PATCH", tenantApi(slug, `route-targets/${encodeURIComponent(id)}`), input, RouteTarget),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: routesKey(slug) });
      void qc.invalidateQueries({ queryKey: routeTargetsHealthKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
