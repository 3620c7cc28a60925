"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { RateLimit, type CreateRateLimitInput, type UpdateRateLimitInput } from "@/lib/budgets/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export type SaveRateLimit = { id: null; input: z.input<typeof CreateRateLimitInput> } | { id: string; input: z.input<typeof UpdateRateLimitInput> };

export function useSaveRateLimit(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (save: SaveRateLimit) =>
      save.id === null
        ? sendData("POST", tenantApi(slug, "rate-limits"), save.input, RateLimit)
        : sendData("PATCH", tenantApi(slug, `rate-limits/${encodeURIComponent(save.id)}`), save.input, RateLimit),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "rate-limits") });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}

export function useDeleteRateLimit(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("DELETE", tenantApi(slug, `rate-limits/${encodeURIComponent(id)}`), undefined, RateLimit),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "rate-limits") });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
