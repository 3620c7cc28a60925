"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { Budget, type CreateBudgetInput, type UpdateBudgetInput } from "@/lib/budgets/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export type SaveBudget = { id: null; input: z.input<typeof CreateBudgetInput> } | { id: string; input: z.input<typeof UpdateBudgetInput> };

/** Creates (id null) or edits a budget; refreshes the list, the live status and the audit log. */
export function useSaveBudget(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (save: SaveBudget) =>
      save.id === null
        ? sendData("POST", tenantApi(slug, "budgets"), save.input, Budget)
        : sendData("PATCH", tenantApi(slug, `budgets/${encodeURIComponent(save.id)}`), save.input, Budget),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "budgets") });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}

export function useDeleteBudget(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("DELETE", tenantApi(slug, `budgets/${encodeURIComponent(id)}`), undefined, Budget),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "budgets") });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
