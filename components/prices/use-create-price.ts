"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ModelPrices, type CreatePriceInput } from "@/lib/prices/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { pricesKey } from "./use-prices";

/** Adds a price (a new effective-dated row); the providers list shows current prices too. */
export function useCreatePrice(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CreatePriceInput) => sendData("POST", tenantApi(slug, "prices"), input, ModelPrices),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: pricesKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "providers") });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
