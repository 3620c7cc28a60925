"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { ModelPrices } from "@/lib/prices/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const pricesKey = (slug: string) => tenantKey(slug, "prices");

/** Every model of the tenant with its current price and history (micro-dollars per million tokens as strings). */
export function usePrices(slug: string) {
  return useQuery({
    queryKey: pricesKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "prices"), z.array(ModelPrices)),
  });
}
