"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { CreatedApiKey, type CreateApiKeyInput } from "@/lib/api-keys/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { apiKeysKey } from "./use-api-keys";

/**
 * Creates a key. The response is the only time the secret exists outside the
 * server: the caller keeps it in component state (never in the query cache)
 * and drops it when the panel closes.
 */
export function useCreateApiKey(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: z.input<typeof CreateApiKeyInput>) => sendData("POST", tenantApi(slug, "api-keys"), input, CreatedApiKey),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: apiKeysKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
