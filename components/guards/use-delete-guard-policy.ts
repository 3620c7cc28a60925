"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { GuardPolicy } from "@/lib/guards/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Removes a policy: the feature falls back to the tenant default, the default to the built-in policy. */
export function useDeleteGuardPolicy(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("DELETE", tenantApi(slug, `guard-policies/${encodeURIComponent(id)}`), undefined, GuardPolicy),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "guard-policies") });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
