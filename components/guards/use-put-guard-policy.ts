"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { GuardPolicy, type PutGuardPolicyInput } from "@/lib/guards/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Creates or replaces the policy of a feature (or the tenant default); the server bumps its version. */
export function usePutGuardPolicy(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: PutGuardPolicyInput) => sendData("PUT", tenantApi(slug, "guard-policies"), input, GuardPolicy),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "guard-policies") });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
