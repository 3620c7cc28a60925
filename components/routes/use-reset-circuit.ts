"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CircuitStatus } from "@/lib/routes/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { routeTargetsHealthKey } from "./use-route-targets-health";

/** Closes a target's circuit and forgets its failures in Redis. */
export function useResetCircuit(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("POST", tenantApi(slug, `route-targets/${encodeURIComponent(id)}/reset-circuit`), undefined, CircuitStatus),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: routeTargetsHealthKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
