"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiKey } from "@/lib/api-keys/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { apiKeysKey } from "./use-api-keys";

export function useRevokeApiKey(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("DELETE", tenantApi(slug, `api-keys/${encodeURIComponent(id)}`), undefined, ApiKey),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: apiKeysKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
