"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { BudgetStatus } from "@/lib/budgets/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** How often the page re-reads the live counters (Redis, no Postgres sum). */
export const STATUS_POLL_MS = 2_000;

/** Spent and reserved this period per budget, live (polled while the page is open). */
export function useBudgetStatus(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "budgets", "status"),
    queryFn: () => fetchData(tenantApi(slug, "budgets/status"), z.array(BudgetStatus)),
    refetchInterval: STATUS_POLL_MS,
  });
}
