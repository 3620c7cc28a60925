"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Budget } from "@/lib/budgets/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Budgets (limits in micro-dollars as strings). */
export function useBudgets(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "budgets"),
    queryFn: () => fetchData(tenantApi(slug, "budgets"), z.array(Budget)),
  });
}
