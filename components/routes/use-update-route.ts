"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Route, type UpdateRouteInput } from "@/lib/routes/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { routeTargetsHealthKey } from "./use-route-targets-health";
import { routesKey } from "./use-routes";

/** Saves a route's settings and (optionally) its whole chain of targets. */
export function useUpdateRoute(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...input }: UpdateRouteInput & { id: string }) => sendData("PATCH", tenantApi(slug, `routes/${encodeURIComponent(id)}`), input, Route),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: routesKey(slug) });
      void qc.invalidateQueries({ queryKey: routeTargetsHealthKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
