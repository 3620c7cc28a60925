"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { CreatedAdminToken, type CreateAdminTokenInput } from "@/lib/admin-tokens/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { adminTokensKey } from "./use-admin-tokens";

/** The secret in the response is kept in component state only, never in the query cache. */
export function useCreateAdminToken(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: z.input<typeof CreateAdminTokenInput>) =>
      sendData("POST", tenantApi(slug, "admin-tokens"), input, CreatedAdminToken),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: adminTokensKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
