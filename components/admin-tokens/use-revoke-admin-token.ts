"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AdminToken } from "@/lib/admin-tokens/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { adminTokensKey } from "./use-admin-tokens";

export function useRevokeAdminToken(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("DELETE", tenantApi(slug, `admin-tokens/${encodeURIComponent(id)}`), undefined, AdminToken),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: adminTokensKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
